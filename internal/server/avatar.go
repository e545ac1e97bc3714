package server

import (
	"github.com/sessionhub/server/internal/avatar"
	avhttp "github.com/sessionhub/server/internal/avatar/httpapi"
	avstore "github.com/sessionhub/server/internal/avatar/store"
	"github.com/sessionhub/server/internal/platform/auth"
)

func (s *Server) registerAvatar() error {
	if err := avstore.Migrate(s.db); err != nil {
		return err
	}
	tokens := auth.NewSigner(auth.DeriveKey(s.cfg.AuthJWTSecret, "avatar-session-token"), "avatar-session")
	svc := avatar.NewService(avstore.New(s.db), tokens, s.cfg.AvatarMaxSessionsPerKey)
	return avhttp.Register(s.engine, svc, auth.NewKeySet(s.cfg.AvatarAPIKeys), s.cfg.WebSocketURL(avatarWebSocketPath))
}

// avatarWebSocketPath is the seed example's websocket_address path.
const avatarWebSocketPath = "/v1/websocket"
