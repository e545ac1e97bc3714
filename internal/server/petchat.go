package server

import (
	"context"

	"github.com/sessionhub/server/internal/petchat"
	"github.com/sessionhub/server/internal/petchat/petchatstore"
	"github.com/sessionhub/server/internal/petchat/petchatws"
	"github.com/sessionhub/server/internal/platform/auth"
)

func (s *Server) wirePetChat(context.Context) error {
	tokens := auth.NewSigner(s.cfg.AuthJWTSecret, "")
	router := petchatws.NewRouter(s.bus)
	limits := petchat.Limits{NewConversationsPerUser: s.cfg.RateLimits.PetChatConversationsPerUser, Writers: s.db.Writers}
	svc := petchat.NewService(petchatstore.New(s.db), router, limits)
	// Closers run last first: the service stores and announces what it
	// accepted, then the router stops listening.
	s.closers = append(s.closers, router.Close, func() error { svc.Close(); return nil })
	return s.mount(petchatws.New(svc, s.hub, router, tokens, s.cfg.RateLimits.PetChatConversationsPerConnection))
}
