package golang

import (
	"github.com/wirekit/wirekit/schema"
)

// Import paths of the runtime that service code is wired to.
const (
	serverPkg = "github.com/wirekit/wirekit/server"
	clientPkg = "github.com/wirekit/wirekit/client"
)

// service writes, for a service, a handler interface with a method per rpc,
// a server.Handler that decodes requests and calls it, and a client type
// with a method per rpc.
func (g *generator) service(f *goFile, s *schema.Service) {
	name := goName(s.Name)
	fp, sp, cp, ctx := f.imp(framePkg), f.imp(serverPkg), f.imp(clientPkg), f.imp("context")

	f.comment(s.Doc)
	if s.Doc != "" {
		f.P("//")
	}
	f.Pf("// %sHandler has a method for each request of the service. It gets the", name)
	f.P("// request by value and returns the response by value, so that serving")
	f.P("// allocates nothing; the request's bytes fields alias the request frame,")
	f.P("// valid only until the method returns. An error goes to the server's")
	f.P("// OnError.")
	f.Pf("type %sHandler interface {", name)
	for _, m := range s.Methods {
		f.comment(m.Doc)
		f.Pf("%s(r *%s.Request, req %s) (%s, error)", goName(m.Name), sp, goName(m.Request.Name), goName(m.Response.Name))
	}
	f.P("}")
	f.P()

	f.Pf("// %sServer is a server.Handler that answers the requests of service %s", name, s.Name)
	f.P("// with Handler: it decodes a request, calls the method for its type and")
	f.P("// writes the response frame with the request's id.")
	f.Pf("type %sServer struct {", name)
	f.Pf("Handler %sHandler", name)
	f.P("// OnError answers a request that does not decode, that is not a")
	f.P("// request of the service (ErrNotRequest), or whose handler failed. If")
	f.P("// it is nil, such a request goes unanswered.")
	f.Pf("OnError func(w *%s.Writer, r *%s.Request, err error)", sp, sp)
	f.P("}")
	f.P()
	f.P("// ServeFrame implements server.Handler.")
	f.Pf("func (s *%sServer) ServeFrame(w *%s.Writer, r *%s.Request) {", name, sp, sp)
	f.P("var err error")
	f.P("switch r.Type {")
	for _, m := range s.Methods {
		req, resp := goName(m.Request.Name), goName(m.Response.Name)
		f.Pf("case %s:", typeConst(m.Request))
		f.Pf("var req %s", req)
		f.P("if err = req.Decode(r.Payload); err != nil { break }")
		f.Pf("var resp %s", resp)
		f.Pf("if resp, err = s.Handler.%s(r, req); err != nil { break }", goName(m.Name))
		f.Pf("buf, mark := w.Begin(%s.Meta{Type: %s, ID: r.ID})", fp, typeConst(m.Response))
		f.P("err = w.Finish(resp.Append(buf), mark)")
	}
	f.P("default:")
	f.P("err = ErrNotRequest")
	f.P("}")
	f.P("if err != nil && s.OnError != nil { s.OnError(w, r, err) }")
	f.P("}")
	f.P()

	f.Pf("// %sClient calls the methods of service %s through a client.Client.", name, s.Name)
	f.Pf("type %sClient struct{ Client *%s.Client }", name, cp)
	f.P()
	for _, m := range s.Methods {
		req, resp := goName(m.Request.Name), goName(m.Response.Name)
		f.Pf("// %s calls %s.%s: %s.", goName(m.Name), s.Name, m.Name, methodDoc(m))
		f.P("//")
		f.P("// It sends req and decodes the response into resp. buf is memory for the")
		f.P("// request and the response; the result is the response's payload, which")
		f.P("// resp's bytes fields alias, for the next call to reuse. A response of")
		f.P("// another type fails with an *UnexpectedResponse.")
		f.Pf("func (c %sClient) %s(ctx %s.Context, req *%s, resp *%s, buf []byte) ([]byte, error) {", name, goName(m.Name), ctx, req, resp)
		f.P("body := req.Append(buf[:0])")
		f.Pf("r, err := c.Client.Call(ctx, %s.Request{Meta: %s.Meta{Type: %s}, Body: body}, body[len(body):])", cp, fp, typeConst(m.Request))
		f.P("if err != nil { return body, err }")
		f.Pf("if r.Meta.Type != %s { return r.Payload, &UnexpectedResponse{Want: %s, Meta: r.Meta, Payload: r.Payload} }", typeConst(m.Response), typeConst(m.Response))
		f.P("return r.Payload, resp.Decode(r.Payload)")
		f.P("}")
		f.P()
	}
}

// methodDoc is the schema's doc of m, or what m does.
func methodDoc(m *schema.Method) string {
	if m.Doc != "" {
		return m.Doc
	}
	return "a " + m.Request.Name + " answered by a " + m.Response.Name
}

// serviceErrors writes the errors of service code.
func (g *generator) serviceErrors(f *goFile) {
	fp := f.imp(framePkg)
	f.P("// ErrNotRequest is the error of a server given a frame that is not one of its service's requests.")
	f.P(`var ErrNotRequest = errors.New("frame is not a request of the service")`)
	f.P()
	f.P("// UnexpectedResponse is the error of a call answered with a frame of")
	f.P("// another type than the method's response, such as a protocol's error")
	f.P("// message; Messages.Decode decodes it.")
	f.P("type UnexpectedResponse struct {")
	f.P("Want    uint32 // the method's response type")
	f.Pf("Meta    %s.Meta", fp)
	f.P("Payload []byte")
	f.P("}")
	f.P()
	f.P("func (e *UnexpectedResponse) Error() string {")
	f.Pf(`return "%s: response of type " + strconv.FormatUint(uint64(e.Meta.Type), 10) + ", want " + strconv.FormatUint(uint64(e.Want), 10)`, g.opts.Package)
	f.P("}")
	f.P()
}
