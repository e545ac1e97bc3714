package therapyws_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/websocket"

	"github.com/sessionhub/server/internal/platform/auth"
	"github.com/sessionhub/server/internal/platform/database/dbtest"
	"github.com/sessionhub/server/internal/platform/pubsub"
	"github.com/sessionhub/server/internal/platform/wsconn"
	"github.com/sessionhub/server/internal/therapy"
	"github.com/sessionhub/server/internal/therapy/therapystore"
	"github.com/sessionhub/server/internal/therapy/therapyws"
)

// deletedAfterRead is a store whose session is deleted, through the
// service, right after a read has found it: a DELETE landing between the
// events channel's session check and its upgrade.
type deletedAfterRead struct {
	*therapystore.Store
	svc *therapy.Service
}

func (d *deletedAfterRead) GetSession(ctx context.Context, owner, id string) (therapy.Session, error) {
	s, err := d.Store.GetSession(ctx, owner, id)
	if err == nil {
		if derr := d.svc.Delete(ctx, owner, id); derr != nil {
			return s, derr
		}
	}
	return s, err
}

// TestSessionDeletedDuringTheUpgradeClosesTheSocket: a session deleted after
// the channel checked it, before the socket opened, still closes that
// socket with 1000 "session deleted" instead of leaving it open until the
// token expires.
func TestSessionDeletedDuringTheUpgradeClosesTheSocket(t *testing.T) {
	gin.SetMode(gin.TestMode)
	db := dbtest.SQLite(t, therapystore.Migrate)
	files, err := therapy.NewFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	bus := pubsub.NewLocal()
	store := &deletedAfterRead{Store: therapystore.New(db)}
	store.svc = therapy.NewService(store, files, therapy.NewEvents(bus), therapy.ContentLimits{MaxFileBytes: 1 << 20})
	plain := therapy.NewService(store.Store, files, therapy.NewEvents(bus), therapy.ContentLimits{MaxFileBytes: 1 << 20})
	session, err := plain.Create(context.Background(), "alice", therapy.NewSession{Title: "t"})
	if err != nil {
		t.Fatal(err)
	}

	tokens := auth.NewSigner([]byte("unit-test-secret-0123456789abcdef"), "")
	hub := wsconn.NewHub(nil, wsconn.Limits{})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hub.Shutdown(ctx)
	})
	engine := gin.New()
	engine.GET(therapyws.Path, therapyws.New(store.svc, hub, bus, tokens).Handle)
	srv := httptest.NewServer(engine)
	t.Cleanup(srv.Close)

	token, _, err := tokens.Mint("alice", "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/api/v1/sessions/" + session.ID + "/events"
	conn, _, err := websocket.DefaultDialer.Dial(url, http.Header{"Authorization": {"Bearer " + token}})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer func() { _ = conn.Close() }()
	if err := plain.Authorize(context.Background(), "alice", session.ID); !errors.Is(err, therapy.ErrNotFound) {
		t.Fatalf("the session was not deleted during the upgrade: %v", err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, _, err = conn.ReadMessage()
	var closed *websocket.CloseError
	if !errors.As(err, &closed) || closed.Code != websocket.CloseNormalClosure || closed.Text != "session deleted" {
		t.Fatalf("socket of the deleted session: %v, want close 1000 \"session deleted\"", err)
	}
}
