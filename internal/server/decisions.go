package server

import (
	"context"

	"github.com/sessionhub/server/internal/decisions"
	"github.com/sessionhub/server/internal/decisions/decisionstore"
	"github.com/sessionhub/server/internal/decisions/decisionws"
	"github.com/sessionhub/server/internal/platform/auth"
)

func (s *Server) wireDecisions(context.Context) error {
	svc := decisions.NewService(decisionstore.New(s.db), auth.NewKeySet(s.cfg.DecisionAPIKeys))
	limits := decisions.DefaultLimits()
	limits.MaxFailuresPerAddress = s.cfg.RateLimits.DecisionFailuresPerAddress
	limits.MaxFailedGuesses = s.cfg.RateLimits.DecisionFailedGuesses
	return s.mount(decisionws.New(svc, s.hub, limits))
}
