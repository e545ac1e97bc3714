package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// wsExchange is a request frame and the exact reply it must get, measured
// over conns connections in a closed loop (one reply per request).
type wsExchange struct {
	url     string
	request []byte
	reply   []byte
}

// phase dials conns connections (not timed), runs the closed loops for d and
// closes them.
func (x wsExchange) phase(conns int) phaseRunner {
	return func(d time.Duration) phaseResult {
		cs, err := dialAll(x.url, conns)
		if err != nil {
			return phaseResult{errors: conns, firstErr: err, elapsed: d}
		}
		defer closeAll(cs)
		return closedLoop(conns, d, func(w int) error {
			c := cs[w]
			if err := c.WriteMessage(websocket.TextMessage, x.request); err != nil {
				return err
			}
			_, got, err := c.ReadMessage()
			if err != nil {
				return err
			}
			if !bytes.Equal(got, x.reply) {
				return fmt.Errorf("reply %s, want %s", got, x.reply)
			}
			return nil
		})
	}
}

// dialAll opens n connections to url, a few at a time.
func dialAll(url string, n int) ([]*websocket.Conn, error) {
	const dialing = 32
	conns := make([]*websocket.Conn, n)
	errs := make([]error, n)
	sem := make(chan struct{}, dialing)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			conns[i], _, errs[i] = websocket.DefaultDialer.Dial(url, nil)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		closeAll(conns)
		return nil, fmt.Errorf("dial %s: %w", url, err)
	}
	return conns, nil
}

func closeAll(conns []*websocket.Conn) {
	for _, c := range conns {
		if c != nil {
			_ = c.Close()
		}
	}
}

// startBareEcho serves a gorilla/websocket echo (every frame sent back as
// it came) in this process: the most the WebSocket library allows on this
// machine.
func startBareEcho() (url string, stop func(), err error) {
	upgrader := websocket.Upgrader{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			kind, msg, err := c.ReadMessage()
			if err != nil || c.WriteMessage(kind, msg) != nil {
				return
			}
		}
	})}
	go func() { _ = srv.Serve(ln) }()
	return "ws://" + ln.Addr().String() + "/", func() { _ = srv.Close() }, nil
}
