package server

import (
	"context"
	"fmt"

	"github.com/sessionhub/server/gen/docs/asyncapi"
	"github.com/sessionhub/server/internal/platform/ops"
)

// registerAPIs migrates each API's tables and mounts its routes.
func (s *Server) registerAPIs(ctx context.Context) error {
	if err := s.registerVRTraining(); err != nil {
		return fmt.Errorf("vrtraining: %w", err)
	}
	if err := s.registerAvatar(); err != nil {
		return fmt.Errorf("avatar: %w", err)
	}
	if err := s.registerPetChat(); err != nil {
		return fmt.Errorf("petchat: %w", err)
	}
	if err := s.registerTherapy(ctx); err != nil {
		return fmt.Errorf("therapy: %w", err)
	}
	if err := s.registerDecisions(); err != nil {
		return fmt.Errorf("decisions: %w", err)
	}
	ops.RegisterDocs(s.engine, apiDocs, asyncapi.Pages)
	return nil
}

// apiDocs is the /docs index: every API, its seed and its documents.
var apiDocs = []ops.APIDoc{
	{
		Title: "VR training sessions", Seed: "000",
		Description: "WebSocket /ws/sessions: create, update and list VR training sessions; optional live session_changed notifications.",
		AsyncAPI:    []ops.AsyncDoc{{Spec: "vrtraining.asyncapi.yaml", Page: "vrtraining.html"}},
	},
	{
		Title: "Therapy sessions and analysis", Seed: "001",
		Description: "REST /api/v1/sessions…: sessions, content upload, analysis status, emotions, topics and insights (bearer JWT); WebSocket /api/v1/sessions/{session_id}/events for live analysis events.",
		OpenAPI:     "therapy.openapi.yaml",
		AsyncAPI:    []ops.AsyncDoc{{Spec: "therapy-events.asyncapi.yaml", Page: "therapyevents.html"}},
	},
	{
		Title: "Pet-care conversations", Seed: "002",
		Description: "WebSocket /ws/: conversations between a pet's owner and care providers, messages delivered to participants.",
		AsyncAPI:    []ops.AsyncDoc{{Spec: "petchat.asyncapi.yaml", Page: "petchat.html"}},
	},
	{
		Title: "Avatar video sessions (Agora ConvoAI)", Seed: "003",
		Description: "REST POST /session/start and DELETE /session/stop (x-api-key); the session WebSocket at websocket_address for init and audio streaming.",
		OpenAPI:     "avatar.openapi.yaml",
		AsyncAPI:    []ops.AsyncDoc{{Spec: "avatar-stream.asyncapi.yaml", Page: "avatarstream.html"}},
	},
	{
		Title: "Decision actions", Seed: "004",
		Description: "WebSocket /ws: Register, Connection, TakeDecision and Disconnect with API keys and tokens.",
		AsyncAPI:    []ops.AsyncDoc{{Spec: "decisions.asyncapi.yaml", Page: "decisions.html"}},
	},
}
