package server

import (
	"context"
	"time"

	"github.com/sessionhub/server/internal/avatar"
	"github.com/sessionhub/server/internal/avatar/avatarhttp"
	"github.com/sessionhub/server/internal/avatar/avatarstore"
	"github.com/sessionhub/server/internal/avatar/avatarws"
	"github.com/sessionhub/server/internal/avatar/recording"
	"github.com/sessionhub/server/internal/platform/auth"
	"github.com/sessionhub/server/internal/platform/readcache"
)

// registerAvatar wires seed 003: REST start/stop/status, the session
// WebSocket, the built-in recorder as the audio sink, and the idle check.
func (s *Server) wireAvatar(context.Context) error {
	tokens := auth.NewSigner(auth.DeriveKey(s.cfg.AuthJWTSecret, "avatar-session-token"), "avatar-session")
	store := &avatar.CachedStore{Store: avatarstore.New(s.db), Sessions: closesWith(s, readcache.New[avatar.Session]("avatar.sessions", s.bus))}
	svc := avatar.NewService(store, tokens, avatar.Options{
		MaxSessionsPerKey: s.cfg.AvatarMaxSessionsPerKey,
		Sink:              recording.New(s.cfg.DataDir, s.cfg.AvatarMaxRecordingBytes),
		Bus:               s.bus,
	})
	if err := avatarhttp.Register(s.engine, svc, auth.NewKeySet(s.cfg.AvatarAPIKeys), s.cfg.WebSocketURL(avatarWebSocketPath)); err != nil {
		return err
	}
	if err := s.mount(avatarws.New(svc, s.hub)); err != nil {
		return err
	}
	s.goBackground("avatar idle check", func(ctx context.Context) { svc.RunSweeper(ctx, s.cfg.AvatarIdleCheckInterval) })
	// Runs after the WebSockets closed with 1001: giving up the lease lets
	// the next check end the sessions they carried.
	s.closers = append(s.closers, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		svc.ShutdownQuietly(ctx)
		return nil
	})
	return nil
}

// avatarWebSocketPath is the seed example's websocket_address path.
const avatarWebSocketPath = "/v1/websocket"
