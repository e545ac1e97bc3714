package server

import (
	"github.com/gin-gonic/gin"

	"github.com/sessionhub/server/internal/decisions"
	"github.com/sessionhub/server/internal/decisions/decisionstore"
	"github.com/sessionhub/server/internal/decisions/decisionws"
	"github.com/sessionhub/server/internal/platform/auth"
)

func (s *Server) registerDecisions() error {
	if err := decisionstore.Migrate(s.db); err != nil {
		return err
	}
	svc := decisions.NewService(decisionstore.New(s.db), auth.NewKeySet(s.cfg.DecisionAPIKeys))
	limits := decisions.DefaultLimits()
	limits.MaxFailuresPerAddress = s.cfg.RateLimits.DecisionFailuresPerAddress
	limits.MaxFailedGuesses = s.cfg.RateLimits.DecisionFailedGuesses
	api, err := decisionws.New(svc, s.hub, limits)
	if err != nil {
		return err
	}
	// Exactly /ws: the pet-care API owns /ws/, and each is registered as
	// its own route, so gin's trailing-slash redirect never applies.
	s.engine.GET(api.Path(), gin.WrapH(api))
	return nil
}
