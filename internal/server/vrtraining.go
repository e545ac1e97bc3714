package server

import (
	"context"

	"github.com/sessionhub/server/internal/vrtraining"
	"github.com/sessionhub/server/internal/vrtraining/vrstore"
	"github.com/sessionhub/server/internal/vrtraining/vrws"
)

func (s *Server) wireVRTraining(context.Context) error {
	return s.mount(vrws.New(vrtraining.NewService(vrstore.New(s.db), s.bus), s.hub, s.bus, s.cfg.RateLimits.VRSessionsPerConnection))
}
