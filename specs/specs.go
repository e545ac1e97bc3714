// Package specs holds the API contracts (OpenAPI 3.0.3 and AsyncAPI 2.1.0)
// that gen/ is generated from, and embeds them so the server can serve them
// at /specs/{file}.
package specs

import "embed"

// FS holds every spec document.
//
//go:embed *.yaml
var FS embed.FS

// OpenAPI REST contracts.
//go:generate go tool oapi-codegen -config ../tools/oapi-codegen/therapy.types.cfg.yaml therapy.openapi.yaml
//go:generate go tool oapi-codegen -config ../tools/oapi-codegen/therapy.server.cfg.yaml therapy.openapi.yaml
//go:generate go tool oapi-codegen -config ../tools/oapi-codegen/therapy.client.cfg.yaml therapy.openapi.yaml
//go:generate go tool oapi-codegen -config ../tools/oapi-codegen/avatar.types.cfg.yaml avatar.openapi.yaml
//go:generate go tool oapi-codegen -config ../tools/oapi-codegen/avatar.server.cfg.yaml avatar.openapi.yaml
//go:generate go tool oapi-codegen -config ../tools/oapi-codegen/avatar.client.cfg.yaml avatar.openapi.yaml

// AsyncAPI WebSocket contracts.
//go:generate go run ../tools/asyncapigen -check -spec vrtraining.asyncapi.yaml -pkg vrtraining -out ../gen/vrtraining -ts ../gen/ts/vrtraining.ts -html ../gen/docs/asyncapi/vrtraining.html
//go:generate go run ../tools/asyncapigen -check -spec therapy-events.asyncapi.yaml -pkg therapyevents -out ../gen/therapyevents -ts ../gen/ts/therapyevents.ts -html ../gen/docs/asyncapi/therapyevents.html
//go:generate go run ../tools/asyncapigen -check -spec petchat.asyncapi.yaml -pkg petchat -out ../gen/petchat -ts ../gen/ts/petchat.ts -html ../gen/docs/asyncapi/petchat.html
//go:generate go run ../tools/asyncapigen -check -spec avatar-stream.asyncapi.yaml -pkg avatarstream -out ../gen/avatarstream -ts ../gen/ts/avatarstream.ts -html ../gen/docs/asyncapi/avatarstream.html
//go:generate go run ../tools/asyncapigen -check -spec decisions.asyncapi.yaml -pkg decisions -out ../gen/decisions -ts ../gen/ts/decisions.ts -html ../gen/docs/asyncapi/decisions.html
