package server

import (
	"github.com/gin-gonic/gin"

	"github.com/sessionhub/server/internal/petchat"
	"github.com/sessionhub/server/internal/petchat/petchatstore"
	"github.com/sessionhub/server/internal/petchat/petchatws"
	"github.com/sessionhub/server/internal/platform/auth"
)

// registerPetChat mounts /ws/ (with the trailing slash) on the engine itself:
// the route matches exactly, so it is served, never redirected to /ws.
func (s *Server) registerPetChat() error {
	if err := petchatstore.Migrate(s.db); err != nil {
		return err
	}
	tokens := auth.NewSigner(s.cfg.AuthJWTSecret, "")
	router := petchatws.NewRouter(s.bus)
	svc := petchat.NewService(petchatstore.New(s.db), router, petchat.Limits{NewConversationsPerUser: s.cfg.RateLimits.PetChatConversationsPerUser})
	api, err := petchatws.New(svc, s.hub, router, tokens, s.cfg.RateLimits.PetChatConversationsPerConnection)
	if err != nil {
		return err
	}
	// Closers run last first: the service stores and announces what it
	// accepted, then the router stops listening.
	s.closers = append(s.closers, router.Close, func() error { svc.Close(); return nil })
	s.engine.GET(api.Path(), gin.WrapH(api))
	return nil
}
