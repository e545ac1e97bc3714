package main

import (
	"fmt"
	"strings"
)

// clientModel is the typed client of one channel, as both the Go and the
// TypeScript renderers name and shape it.
type clientModel struct {
	ch       *channel
	Const    string // the channel path constant, e.g. ChannelWs
	Union    string // the server messages' union, e.g. WsServerMessage
	Incoming []*message
	Requests []*clientRequest // one per client message, sorted by name
	Params   []clientParam    // path parameters, then headers, then query parameters

	GoClient, GoDial, GoOptions, goChannelVar string
	TSClient, TSOptions, tsChannelVar         string
}

type clientRequest struct {
	msg                          *message
	GoMethod, GoSend, goReplyVar string // GoMethod empty without x-reply
	TSMethod, TSSend, tsReplyVar string
}

// Kinds of connection parameters.
const (
	paramPath   = "path"
	paramHeader = "header"
	paramQuery  = "query"
)

type clientParam struct {
	Kind     string
	Name     string // as the spec names it
	GoField  string
	Doc      string
	Required bool
}

// clientReserved are the fixed identifiers of the generated client files.
var clientReserved = []string{"CloseError", "UpgradeError", "FrameError", "ServerError"}

// buildClients names one client per channel. With one channel the names are
// plain (Client, Dial, DialOptions); with several they carry the channel's.
func (p *plan) buildClients(names *nameRegistry) error {
	lower := newNameRegistry()
	single := len(p.doc.Channels) == 1
	for _, ch := range p.doc.Channels {
		prefix := strings.TrimPrefix(p.channelConst[ch], "Channel")
		c := &clientModel{ch: ch, Const: p.channelConst[ch]}
		if single {
			c.GoClient, c.GoDial, c.GoOptions = names.claim("Client"), names.claim("Dial"), names.claim("DialOptions")
		} else {
			c.GoClient, c.GoDial, c.GoOptions = names.claim(prefix+"Client"), names.claim("Dial"+prefix), names.claim(prefix+"DialOptions")
		}
		pkgPascal := p.tsName()
		c.TSClient = pkgPascal + strings.TrimSuffix(c.GoClient, "Client") + "Client"
		c.TSOptions = pkgPascal + c.GoOptions
		c.goChannelVar = lower.claim(lowerFirst(prefix) + "Channel")
		c.tsChannelVar = c.goChannelVar
		for _, op := range ch.Operations {
			switch op.Direction {
			case directionServer:
				c.Union = p.unionName[op]
				c.Incoming = sortedMessages(op.Messages)
			case directionClient:
				methods := newNameRegistry("Receive", "Close", "Conn", "Closed")
				for _, msg := range sortedMessages(op.Messages) {
					r := &clientRequest{msg: msg, GoSend: methods.claim("Send" + goName(msg.Name))}
					r.TSSend = lowerFirst(r.GoSend)
					if msg.Reply.awaited() { // errors-only replies: sent without waiting, errors come through Receive
						r.GoMethod = methods.claim(goName(msg.Name))
						r.TSMethod = lowerFirst(r.GoMethod)
						r.goReplyVar = lower.claim(lowerFirst(goName(msg.Name)) + "Reply")
						r.tsReplyVar = r.goReplyVar
					}
					c.Requests = append(c.Requests, r)
				}
			}
		}
		if c.Union == "" {
			c.Union = names.claim(prefix + "ServerMessage")
		}
		for _, msg := range c.Incoming {
			if nt := p.types.byName[p.types.payloadTypes[msg]]; nt == nil || nt.Kind != kindStruct {
				return fmt.Errorf("channel %s: message %s: the typed client needs an object payload with properties", ch.Path, msg.Name)
			}
		}
		params, err := p.clientParams(ch)
		if err != nil {
			return fmt.Errorf("channel %s: %w", ch.Path, err)
		}
		c.Params = params
		p.clients = append(p.clients, c)
	}
	return nil
}

func (p *plan) clientParams(ch *channel) ([]clientParam, error) {
	fields := newNameRegistry("Header", "Dialer", "OnFrame")
	var out []clientParam
	for _, param := range ch.Parameters {
		out = append(out, clientParam{Kind: paramPath, Name: param.Name, GoField: fields.claim(goName(param.Name)),
			Doc: param.Description, Required: true})
	}
	for _, kind := range []string{paramHeader, paramQuery} {
		key := map[string]string{paramHeader: "headers", paramQuery: "query"}[kind]
		s, _ := ch.WSBinding[key].(map[string]any)
		if s == nil {
			continue
		}
		resolved, _, err := p.doc.resolve(s)
		if err != nil {
			return nil, fmt.Errorf("bindings.ws.%s: %w", key, err)
		}
		required := requiredSet(resolved)
		props := properties(resolved)
		for _, name := range sortedKeys(props) {
			out = append(out, clientParam{Kind: kind, Name: name, GoField: fields.claim(goName(name)),
				Doc: p.doc.description(props[name]), Required: required[name]})
		}
	}
	return out, nil
}

// tsName names the TypeScript exports after the spec file: therapy-events →
// TherapyEvents.
func (p *plan) tsName() string {
	base := strings.TrimSuffix(strings.TrimSuffix(p.doc.SpecBase, ".yaml"), ".asyncapi")
	return goName(base)
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	// A leading initialism lowers as a whole: APIV1 → apiV1, WS → ws.
	runes := []rune(s)
	i := 0
	for i < len(runes) && strings.ToUpper(string(runes[i])) == string(runes[i]) && strings.ToLower(string(runes[i])) != string(runes[i]) {
		i++
	}
	switch {
	case i == 0:
		return s
	case i == 1 || i == len(runes):
		return strings.ToLower(string(runes[:i])) + string(runes[i:])
	default: // the last upper letter starts the next word
		return strings.ToLower(string(runes[:i-1])) + string(runes[i-1:])
	}
}

// replyDoc says in words what answers a request.
func replyDoc(r *replySpec) string {
	text := "its reply, " + strings.Join(r.Messages, " or ")
	if len(r.Errors) > 0 {
		text += " (" + strings.Join(r.Errors, ", ") + " as a *ServerError)"
	}
	return text
}
