package server

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/sessionhub/server/gen/docs/asyncapi"
	"github.com/sessionhub/server/internal/avatar/avatarstore"
	"github.com/sessionhub/server/internal/decisions/decisionstore"
	"github.com/sessionhub/server/internal/petchat/petchatstore"
	"github.com/sessionhub/server/internal/platform/database"
	"github.com/sessionhub/server/internal/platform/ops"
	"github.com/sessionhub/server/internal/therapy/therapystore"
	"github.com/sessionhub/server/internal/vrtraining/vrstore"
)

// api is one seed's API: its tables, its wiring and its /docs entry.
type api struct {
	migrate func(*database.DB) error
	wire    func(s *Server, ctx context.Context) error
	doc     ops.APIDoc
}

// apis are the server's APIs, by seed.
var apis = []api{
	{vrstore.Migrate, (*Server).wireVRTraining, ops.APIDoc{
		Title: "VR training sessions", Seed: "000",
		Description: "WebSocket /ws/sessions: create, update and list VR training sessions; optional live session_changed notifications.",
		AsyncAPI:    []ops.AsyncDoc{{Spec: "vrtraining.asyncapi.yaml", Page: "vrtraining.html"}},
	}},
	{therapystore.Migrate, (*Server).wireTherapy, ops.APIDoc{
		Title: "Therapy sessions and analysis", Seed: "001",
		Description: "REST /api/v1/sessions…: sessions, content upload, analysis status, emotions, topics and insights (bearer JWT); WebSocket /api/v1/sessions/{session_id}/events for live analysis events.",
		OpenAPI:     "therapy.openapi.yaml",
		AsyncAPI:    []ops.AsyncDoc{{Spec: "therapy-events.asyncapi.yaml", Page: "therapyevents.html"}},
	}},
	{petchatstore.Migrate, (*Server).wirePetChat, ops.APIDoc{
		Title: "Pet-care conversations", Seed: "002",
		Description: "WebSocket /ws/: conversations between a pet's owner and care providers, messages delivered to participants.",
		AsyncAPI:    []ops.AsyncDoc{{Spec: "petchat.asyncapi.yaml", Page: "petchat.html"}},
	}},
	{avatarstore.Migrate, (*Server).wireAvatar, ops.APIDoc{
		Title: "Avatar video sessions (Agora ConvoAI)", Seed: "003",
		Description: "REST POST /session/start and DELETE /session/stop (x-api-key); the session WebSocket at websocket_address for init and audio streaming.",
		OpenAPI:     "avatar.openapi.yaml",
		AsyncAPI:    []ops.AsyncDoc{{Spec: "avatar-stream.asyncapi.yaml", Page: "avatarstream.html"}},
	}},
	{decisionstore.Migrate, (*Server).wireDecisions, ops.APIDoc{
		Title: "Decision actions", Seed: "004",
		Description: "WebSocket /ws: Register, Connection, TakeDecision and Disconnect with API keys and tokens.",
		AsyncAPI:    []ops.AsyncDoc{{Spec: "decisions.asyncapi.yaml", Page: "decisions.html"}},
	}},
}

// registerAPIs migrates each API's tables, wires it and mounts the /docs
// index of them all.
func (s *Server) registerAPIs(ctx context.Context) error {
	docs := make([]ops.APIDoc, len(apis))
	for i, a := range apis {
		if err := a.migrate(s.db); err != nil {
			return fmt.Errorf("%s: migrate: %w", a.doc.Title, err)
		}
		if err := a.wire(s, ctx); err != nil {
			return fmt.Errorf("%s: %w", a.doc.Title, err)
		}
		docs[i] = a.doc
	}
	ops.RegisterDocs(s.engine, docs, asyncapi.Pages)
	return nil
}

// webSocketAPI is a WebSocket API's adapter: it serves its one path.
type webSocketAPI interface {
	http.Handler
	Path() string
}

// mount serves a WebSocket API at its path, or passes on why it could not
// be built. Each path is a route of its own, so gin's trailing-slash
// redirect never applies between /ws and /ws/.
func (s *Server) mount(api webSocketAPI, err error) error {
	if err != nil {
		return err
	}
	s.engine.GET(api.Path(), gin.WrapH(api))
	return nil
}
