package server

import (
	"context"

	"github.com/sessionhub/server/internal/platform/readcache"
	"github.com/sessionhub/server/internal/vrtraining"
	"github.com/sessionhub/server/internal/vrtraining/vrstore"
	"github.com/sessionhub/server/internal/vrtraining/vrws"
)

func (s *Server) wireVRTraining(context.Context) error {
	store := &vrtraining.CachedStore{Store: vrstore.New(s.db), Sessions: closesWith(s, readcache.NewFollowing[vrtraining.Session]("vrtraining.sessions", s.bus, vrtraining.ChangesTopic, vrtraining.ChangedSessions))}
	return s.mount(vrws.New(vrtraining.NewService(store, s.bus), s.hub, s.bus, s.cfg.RateLimits.VRSessionsPerConnection))
}
