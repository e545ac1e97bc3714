package server

import (
	"github.com/gin-gonic/gin"

	"github.com/sessionhub/server/internal/vrtraining"
	"github.com/sessionhub/server/internal/vrtraining/vrstore"
	"github.com/sessionhub/server/internal/vrtraining/vrws"
)

func (s *Server) registerVRTraining() error {
	if err := vrstore.Migrate(s.db); err != nil {
		return err
	}
	store := &vrtraining.CachedStore{Store: vrstore.New(s.db), Sessions: newReadCache[vrtraining.Session](s, "vrtraining.sessions")}
	api, err := vrws.New(vrtraining.NewService(store, s.bus), s.hub, s.bus, s.cfg.RateLimits.VRSessionsPerConnection)
	if err != nil {
		return err
	}
	s.engine.GET(api.Path(), gin.WrapH(api))
	return nil
}
