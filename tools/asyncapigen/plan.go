package main

import (
	"fmt"
	"go/token"
	"strings"
)

// reservedNames are the fixed exported identifiers of every generated package.
var reservedNames = []string{
	"Messages", "Channels", "MessageSchema", "UpgradeSchema",
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
	// discriminators name each channel's client messages; nil for a channel
	// the client sends nothing on, or one whose messages no field names
	// (a -check problem, in discriminatorProblems).
	discriminators        map[*channel]*discriminator
	discriminatorProblems []string
}

func newPlan(doc *document, pkg string) (*plan, error) {
	if !token.IsIdentifier(pkg) || token.IsKeyword(pkg) {
		return nil, fmt.Errorf("package name %q is not a Go identifier", pkg)
	}
	names := newNameRegistry(append(reservedNames, clientReserved...)...)
	p := &plan{
		doc: doc, pkg: pkg, types: newTypeModel(doc, names),
		channelConst: map[*channel]string{}, unionName: map[*operation]string{}, msgConst: map[*message]string{},
		discriminators: map[*channel]*discriminator{},
	}
	for _, ch := range doc.Channels {
		disc, err := doc.clientDiscriminator(ch)
		if err != nil {
			p.discriminatorProblems = append(p.discriminatorProblems, err.Error())
		}
		p.discriminators[ch] = disc
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
