package main

import (
	"fmt"
	"go/token"
	"strings"
)

// reservedNames are the fixed exported identifiers of every generated package.
var reservedNames = []string{
	"MessageInfo", "ChannelInfo", "Messages", "Channels", "MessageSchema", "UpgradeSchema",
	"DirectionClient", "DirectionServer",
}

// plan is everything the renderers need: the document, its type model, and
// the identifiers chosen for channels and messages.
type plan struct {
	doc          *document
	pkg          string
	types        *typeModel
	channelConst map[*channel]string // Go/TS constant holding the path
	unionName    map[*operation]string
	msgConst     map[*message]string
	schemas      *schemaFiles
	errorType    string // the payload type of every x-reply error, "" when none
	clients      []*clientModel
}

func newPlan(doc *document, pkg string) (*plan, error) {
	if !token.IsIdentifier(pkg) || token.IsKeyword(pkg) {
		return nil, fmt.Errorf("package name %q is not a Go identifier", pkg)
	}
	names := newNameRegistry(append(reservedNames, clientReserved...)...)
	p := &plan{
		doc: doc, pkg: pkg, types: newTypeModel(doc, names),
		channelConst: map[*channel]string{}, unionName: map[*operation]string{}, msgConst: map[*message]string{},
	}
	for _, ch := range doc.Channels {
		p.channelConst[ch] = names.claim("Channel" + channelIdent(ch.Path))
		for _, op := range ch.Operations {
			prefix := strings.TrimPrefix(p.channelConst[ch], "Channel")
			p.unionName[op] = names.claim(prefix + goName(op.Direction) + "Message")
		}
	}
	for _, msg := range doc.Messages {
		p.msgConst[msg] = names.claim("Msg" + goName(msg.Name))
	}
	if err := p.types.build(); err != nil {
		return nil, err
	}
	schemas, err := buildSchemaFiles(doc)
	if err != nil {
		return nil, err
	}
	p.schemas = schemas
	if err := p.checkReplies(); err != nil {
		return nil, err
	}
	if err := p.buildClients(names); err != nil {
		return nil, err
	}
	return p, nil
}
