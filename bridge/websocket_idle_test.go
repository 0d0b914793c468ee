package bridge

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"meetd/colibri"
)

// TestChannelIdle is issue 11 defect 9 and docs/bad-input.md#t4 for the
// bridge channel: the bridge pings, a peer that answers nothing is closed
// after the idle timeout (it was never dropped), and a peer that answers
// stays.
func TestChannelIdle(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := httptest.NewServer(nil)
	defer srv.Close()
	b, fc, stop := startBridge(t, "ws://"+srv.Listener.Addr().String()+"/colibri-ws/jvb1")
	defer stop()
	b.cfg.ChannelIdle = 2 * time.Second // generous: the live peer must answer within it on a loaded machine
	srv.Config.Handler = b.WebSocketHandler()
	fc.modify(t, createXML("meetingA", true, "epOne", "epTwo"))
	conf := b.conference("meetingA")
	deaf := dialChannel(t, conf.endpoint("epOne").webSocketURL())
	defer deaf.Close()
	live := dialChannel(t, conf.endpoint("epTwo").webSocketURL())
	defer live.Close()
	pinged := make(chan struct{}, 1)
	deaf.SetPingHandler(func(string) error { // never answers
		select {
		case pinged <- struct{}{}:
		default:
		}
		return nil
	})
	liveDone := make(chan error, 1)
	go func() { // reading answers the pings
		for {
			if _, _, err := live.ReadMessage(); err != nil {
				liveDone <- err
				return
			}
		}
	}()
	start := time.Now()
	_ = deaf.SetReadDeadline(time.Now().Add(waitTimeout))
	for {
		if _, _, err := deaf.ReadMessage(); err != nil {
			break
		}
	}
	if time.Since(start) >= waitTimeout {
		t.Fatal("a peer that answers no ping was not closed")
	}
	select {
	case <-pinged:
	default:
		t.Fatal("the bridge never pinged")
	}
	time.Sleep(2 * b.cfg.ChannelIdle)
	select {
	case err := <-liveDone:
		t.Fatalf("the answering peer was closed too: %v", err)
	default:
	}
	must(t, live.WriteMessage(websocket.TextMessage, []byte(`{"colibriClass":"`+colibri.ClassClientHello+`"}`)))
	_ = live.Close()
	<-liveDone
}
