package wirekitpeer

import (
	"testing"

	"github.com/wirekit/wirekit/server"
)

func TestParseEngine(t *testing.T) {
	for name, want := range map[string]server.Engine{"auto": server.EngineAuto, "goroutine": server.EngineGoroutine, "poll": server.EnginePoll} {
		if got, err := ParseEngine(name); err != nil || got != want {
			t.Errorf("ParseEngine(%q) = %v, %v; want %v", name, got, err, want)
		}
	}
	if _, err := ParseEngine("epoll"); err == nil {
		t.Error(`ParseEngine("epoll") succeeded`)
	}
}
