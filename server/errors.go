package server

import "errors"

// ErrServerClosed is returned by [Server.Serve] and the ListenAndServe
// methods after a call to [Server.Shutdown] or [Server.Close].
var ErrServerClosed = errors.New("server: Server closed")

// ErrIncomplete is returned by [Server.Serve] when the Server has no
// Framing or no Handler.
var ErrIncomplete = errors.New("server: Server needs a Framing and a Handler")

// errStopReading ends a connection's reading without an error of its own:
// the server is shutting down.
var errStopReading = errors.New("server: shutting down")

// errWouldBlock is what the poll engine's non-blocking socket returns when a
// read finds no input or a write fills the socket: wait for the event loop.
var errWouldBlock = errors.New("server: would block")
