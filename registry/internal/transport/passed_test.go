package transport

import (
	"fmt"
	"net/http"
	"testing"
)

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func TestPassedHosts(t *testing.T) {
	var p passedHosts
	req, _ := http.NewRequest(http.MethodGet, "https://Reg.example:5000/v2/a/manifests/1", nil)
	ch := p.wait("reg.example:5000")
	p.note(req, http.StatusUnauthorized)
	if isClosed(ch) {
		t.Fatal("a 401 passed the host")
	}
	p.note(req, http.StatusNotFound)
	p.note(req, http.StatusOK) // noted twice: no second close
	if !isClosed(ch) || !isClosed(p.wait("REG.example:5000")) {
		t.Fatal("an answer other than 401 did not pass the host")
	}
	if other := p.wait("other.example"); isClosed(other) {
		t.Fatal("another host passed")
	}
	// past the bound, a host is never noted, and nothing grows
	for i := range maxPassed * 2 {
		r, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("https://h%d.example/v2/", i), nil)
		p.note(r, http.StatusOK)
	}
	if len(p.passed) != maxPassed || p.wait("late.example") != nil {
		t.Errorf("%d hosts noted, want the bound %d, and none past it", len(p.passed), maxPassed)
	}
}
