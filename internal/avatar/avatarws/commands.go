package avatarws

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	gen "github.com/sessionhub/server/gen/avatarstream"
	"github.com/sessionhub/server/internal/avatar"
	"github.com/sessionhub/server/internal/platform/wsschema"
)

// detachTimeout bounds the database work when a connection closes.
const detachTimeout = 10 * time.Second

// maxEcho is how much of a refused frame's command and event_id an error
// echoes.
const maxEcho = 128

// handle turns one frame into its reply (nil: no reply).
func (c *connection) handle(ctx context.Context, data []byte) any {
	return c.api.inbound.Answer(data, wsschema.Replies{
		InvalidJSON: func() any { return errorReply(nil, gen.ErrorCodeInvalidJSON, "Invalid JSON") },
		Unknown: func(f wsschema.Frame) any {
			return errorReply(f.Fields(), gen.ErrorCodeUnknownCommand, "Unknown command: "+truncate(f.Value))
		},
		Invalid: func(f wsschema.Frame, problem *wsschema.Problem) any {
			return errorReply(f.Fields(), gen.ErrorCodeValidationError, problem.Message)
		},
		Failed: func(f wsschema.Frame, err error) any { return c.domainError(f.Fields(), err) },
	}, func(f wsschema.Frame, payload any) (any, error) { return c.dispatch(ctx, f.Fields(), payload) })
}

// dispatch runs one decoded command; payload is its generated type.
func (c *connection) dispatch(ctx context.Context, obj map[string]any, payload any) (any, error) {
	s := c.stream
	switch req := payload.(type) {
	case *gen.InitCommand:
		res, err := s.Init(ctx, toInitRequest(*req, obj))
		if err != nil {
			return nil, err
		}
		return gen.InitAck{Command: gen.InitAckCommandValue, SessionID: res.SessionID, ActivityIdleTimeout: res.IdleTimeout.Seconds(), Resumed: res.Resumed}, nil
	case *gen.VoiceCommand:
		return nil, s.Voice(ctx, avatar.Voice{Audio: req.Audio, Encoding: string(req.Encoding), SampleRate: req.SampleRate, SampleRateAlias: req.SampleRate2})
	case *gen.VoiceEndCommand:
		u, err := s.VoiceEnd(ctx)
		if err != nil {
			return nil, err
		}
		return gen.VoiceEndAck{Command: gen.VoiceEndAckCommandValue, EventID: eventID(obj), Recorded: u.Recorded, UtteranceSeconds: u.Seconds, Frames: u.Frames}, nil
	case *gen.VoiceInterruptCommand:
		d, err := s.Interrupt(ctx)
		if err != nil {
			return nil, err
		}
		return gen.VoiceInterruptAck{Command: gen.VoiceInterruptAckCommandValue, EventID: eventID(obj), DroppedSeconds: d.Seconds, DroppedFrames: d.Frames}, nil
	case *gen.HeartbeatCommand:
		return gen.HeartbeatAck{Command: gen.HeartbeatAckCommandValue, EventID: req.EventID, Timestamp: req.Timestamp}, nil
	case *gen.SpecialCommand:
		return nil, s.Special(ctx, req.EventID, req.Content)
	default:
		return nil, fmt.Errorf("avatar: command %s has no handler", obj["command"])
	}
}

// domainError is the one place domain errors become error replies.
func (c *connection) domainError(frame map[string]any, err error) any {
	var field *avatar.InvalidFieldError
	var audio *avatar.InvalidAudioError
	var format *avatar.FormatChangedError
	var full *avatar.SinkFullError
	switch {
	case errors.Is(err, avatar.ErrSessionEnded):
		return nil // the session is over or the connection replaced: its close is under way
	case errors.Is(err, avatar.ErrNotInitialized):
		return errorReply(frame, gen.ErrorCodeNotInitialized, "Send init first")
	case errors.Is(err, avatar.ErrSessionMismatch):
		return errorReply(frame, gen.ErrorCodeSessionMismatch, "session_id does not match the session token")
	case errors.Is(err, avatar.ErrUnsupportedEncoding):
		return errorReply(frame, gen.ErrorCodeUnsupportedEncoding, "Encoding OPUS is not supported; send PCM16 or PCM8")
	case errors.As(err, &audio):
		return errorReply(frame, gen.ErrorCodeInvalidAudio, audio.Reason)
	case errors.As(err, &format):
		return errorReply(frame, gen.ErrorCodeAudioFormatChanged, format.Error())
	case errors.As(err, &full):
		return errorReply(frame, gen.ErrorCodeRecordingLimitReached, full.Error())
	case errors.As(err, &field):
		return errorReply(frame, gen.ErrorCodeValidationError, field.Message(""))
	default:
		slog.Error("avatar command failed", "session", c.sessionID, "command", frame["command"], "err", err)
		return errorReply(frame, gen.ErrorCodeInternalError, "Internal error")
	}
}

// errorReply echoes the refused frame's event_id and command when usable.
func errorReply(frame map[string]any, code gen.ErrorCode, message string) gen.ErrorMessage {
	reply := gen.ErrorMessage{Command: gen.ErrorMessageCommandValue, Code: code, Message: message}
	if id, ok := frame["event_id"].(string); ok && id != "" && len([]rune(id)) <= maxEcho {
		reply.EventID = &id
	}
	if command, ok := frame["command"].(string); ok {
		command = truncate(command)
		reply.InReplyTo = &command
	}
	return reply
}

func eventID(frame map[string]any) string {
	id, _ := frame["event_id"].(string)
	return id
}

func truncate(s string) string {
	if r := []rune(s); len(r) > maxEcho {
		return string(r[:maxEcho])
	}
	return s
}

func toInitRequest(req gen.InitCommand, frame map[string]any) avatar.InitRequest {
	p := avatar.ConfigPatch{
		AvatarID: req.AvatarID, Quality: (*string)(req.Quality), Version: (*string)(req.Version),
		VideoEncoding: (*string)(req.VideoEncoding),
	}
	if a := req.AgoraSettings; a != nil {
		p.Agora = avatar.AgoraPatch{AppID: a.AppID, Token: a.Token, Channel: a.Channel, UID: a.Uid, EnableStringUID: a.EnableStringUid}
	}
	if req.ActivityIdleTimeout != nil {
		d := avatar.IdleTimeoutOf(*req.ActivityIdleTimeout)
		p.ActivityIdleTimeout = &d
	}
	p.Vendor = avatar.VendorFields(frame, "command", "session_id")
	return avatar.InitRequest{SessionID: req.SessionID, Patch: p}
}
