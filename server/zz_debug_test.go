package server

import "fmt"

func (s *Server) debugDump() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := ""
	for c := range s.conns {
		p := c.p
		if p == nil {
			continue
		}
		q, in := -1, -1
		if c.sc != nil {
			q, in = c.sc.OutboundBuffered(), c.sc.InboundBuffered()
		}
		out += fmt.Sprintf("slot %d phase %d events %x paused %v blocked %v stopping %v apart %v todo %x deferred %x queued %d in %d readDue %d writeDue %d hidx %d eof %v\n",
			p.slot, p.phase, p.events, p.paused, p.blocked, p.stopping, p.apart, p.todo.Load(), p.deferred, q, in, p.readDue, p.writeDue, p.hidx, p.eof)
	}
	return out
}
