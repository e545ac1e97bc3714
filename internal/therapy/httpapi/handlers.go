package httpapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"

	gen "github.com/sessionhub/server/gen/therapy"
	"github.com/sessionhub/server/internal/platform/restvalidate"
	"github.com/sessionhub/server/internal/therapy"
)

func (h *Handlers) CreateSession(ctx context.Context, req gen.CreateSessionRequestObject) (gen.CreateSessionResponseObject, error) {
	ctx = requestContext(ctx)
	b := req.Body
	in := therapy.NewSession{
		Title: b.Title, Description: b.Description, Duration: b.Duration, Text: b.Text,
		Status: (*string)(b.Status), AnalysisStatus: (*string)(b.AnalysisStatus), InputMethod: (*string)(b.InputMethod),
	}
	if b.Settings != nil {
		in.Settings = map[string]any(*b.Settings)
	}
	s, err := h.svc.Create(ctx, owner(ctx), in)
	if err != nil {
		return nil, err
	}
	id := uuidOf(s.ID)
	return gen.CreateSession201JSONResponse{
		Body: gen.CreateSessionResponse{
			SessionId: id, SessionIdSnake: id, GraphId: id, Status: gen.SessionStatus(s.Status), Title: s.Title, CreatedAt: s.CreatedAt,
		},
		Headers: gen.CreateSession201ResponseHeaders{Location: BasePath + "/sessions/" + s.ID},
	}, nil
}

func (h *Handlers) ListSessions(ctx context.Context, req gen.ListSessionsRequestObject) (gen.ListSessionsResponseObject, error) {
	ctx = requestContext(ctx)
	p := req.Params
	q := therapy.ListQuery{Desc: true}
	if p.Page != nil {
		q.Page = *p.Page
	}
	if p.PerPage != nil {
		q.PerPage = *p.PerPage
	}
	if p.Sort != nil {
		q.Sort = string(*p.Sort)
	}
	if p.Order != nil {
		q.Desc = *p.Order == gen.Desc
	}
	page, q, err := h.svc.List(ctx, owner(ctx), q)
	if err != nil {
		return nil, err
	}
	items := make([]gen.SessionSummary, 0, len(page.Sessions))
	for _, s := range page.Sessions {
		items = append(items, toSummary(s))
	}
	pages := (page.Total + q.PerPage - 1) / q.PerPage
	return gen.ListSessions200JSONResponse{
		Status: gen.SuccessStatusSuccess, Sessions: items,
		Data: gen.SessionListData{Sessions: items, Pagination: gen.Pagination{Page: q.Page, PerPage: q.PerPage, Total: page.Total, Pages: pages}},
	}, nil
}

func (h *Handlers) GetSession(ctx context.Context, req gen.GetSessionRequestObject) (gen.GetSessionResponseObject, error) {
	ctx = requestContext(ctx)
	s, results, err := h.svc.Get(ctx, owner(ctx), req.SessionId.String())
	if err != nil {
		return nil, err
	}
	return gen.GetSession200JSONResponse(toDetail(s, results)), nil
}

func (h *Handlers) UpdateSession(ctx context.Context, req gen.UpdateSessionRequestObject) (gen.UpdateSessionResponseObject, error) {
	ctx = requestContext(ctx)
	b := req.Body
	up := therapy.Update{
		Title: b.Title, Description: b.Description, Duration: b.Duration,
		Status: (*string)(b.Status), AnalysisStatus: (*string)(b.AnalysisStatus),
	}
	if b.Settings != nil {
		up.Settings = map[string]any(*b.Settings)
		if up.Settings == nil {
			up.Settings = map[string]any{}
		}
	}
	if err := h.svc.Update(ctx, owner(ctx), req.SessionId.String(), up); err != nil {
		return nil, err
	}
	return gen.UpdateSession200JSONResponse{Status: gen.SuccessStatusSuccess, Message: "Session updated"}, nil
}

func (h *Handlers) DeleteSession(ctx context.Context, req gen.DeleteSessionRequestObject) (gen.DeleteSessionResponseObject, error) {
	ctx = requestContext(ctx)
	if err := h.svc.Delete(ctx, owner(ctx), req.SessionId.String()); err != nil {
		return nil, err
	}
	return gen.DeleteSession200JSONResponse{Status: gen.SuccessStatusSuccess, Message: "Session deleted"}, nil
}

// UploadContent streams the multipart body: the file part goes straight to
// disk (never whole into memory), the type part is read as a short value.
// Without a type part (or with an empty one) the domain infers the type.
func (h *Handlers) UploadContent(ctx context.Context, req gen.UploadContentRequestObject) (gen.UploadContentResponseObject, error) {
	ctx = requestContext(ctx)
	sessionID := req.SessionId.String()
	if err := h.svc.Authorize(ctx, owner(ctx), sessionID); err != nil {
		return nil, err
	}
	up, err := h.readUpload(ctx, sessionID, req)
	if err != nil {
		return nil, err
	}
	c, state, err := h.svc.AddUpload(ctx, owner(ctx), sessionID, up)
	if err != nil {
		return nil, err
	}
	return gen.UploadContent201JSONResponse{Status: gen.SuccessStatusSuccess, Data: gen.UploadData{
		Upload: gen.Upload{
			Id: uuidOf(c.ID), Filename: c.Filename, Type: gen.UploadType(c.Type), Size: c.Size, CreatedAt: c.CreatedAt,
		},
		Analysis: toAnalysisState(state),
	}}, nil
}

func (h *Handlers) readUpload(ctx context.Context, sessionID string, req gen.UploadContentRequestObject) (therapy.NewUpload, error) {
	var up therapy.NewUpload
	haveFile, haveType := false, false
	fail := func(err error) (therapy.NewUpload, error) {
		up.File.Discard()
		return therapy.NewUpload{}, err
	}
	for {
		part, err := req.Body.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fail(h.uploadReadError(ctx, err))
		}
		switch name := part.FormName(); name {
		case "file":
			if haveFile {
				return fail(&therapy.ValidationError{Field: "file", Message: "file must be sent only once"})
			}
			haveFile = true
			up.Filename = part.FileName()
			if up.File, err = h.svc.StageUpload(ctx, owner(ctx), sessionID, part); err != nil {
				return fail(h.uploadReadError(ctx, err))
			}
		case "type":
			if haveType {
				return fail(&therapy.ValidationError{Field: "type", Message: "type must be sent only once"})
			}
			haveType = true
			raw, err := io.ReadAll(io.LimitReader(part, 64))
			if err != nil {
				return fail(h.uploadReadError(ctx, err))
			}
			up.Type = strings.TrimSpace(string(raw))
		default:
			field := name
			if field == "" {
				field = "(unnamed part)"
			}
			return fail(&therapy.ValidationError{Field: field, Message: field + " is not a part of this form (only file and type are)"})
		}
	}
	if !haveFile {
		return fail(&therapy.ValidationError{Field: "file", Message: "file is required"})
	}
	return up, nil
}

// uploadReadError keeps size errors (413) and makes any other failure to
// read the form a 400 naming the file. A form larger than the file limit
// plus its overhead is an oversized file to the client: the 413 names file
// and states CONTENT_MAX_BYTES, never the JSON bodies' limit.
func (h *Handlers) uploadReadError(ctx context.Context, err error) error {
	if restvalidate.BodyDeadlinePassed(ctx) {
		return os.ErrDeadlineExceeded // the parser's own error may hide the cut
	}
	var tooLarge *therapy.TooLargeError
	var overQuota *therapy.QuotaError
	var bodyTooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge), errors.As(err, &overQuota), restvalidate.BodyTimedOut(err):
		return err
	case errors.As(err, &bodyTooLarge):
		return &therapy.TooLargeError{Field: "file", Limit: h.svc.MaxContentBytes()}
	}
	return &therapy.ValidationError{Field: "file", Message: "file could not be read (malformed multipart body)"}
}

func (h *Handlers) GetAnalysisStatus(ctx context.Context, req gen.GetAnalysisStatusRequestObject) (gen.GetAnalysisStatusResponseObject, error) {
	ctx = requestContext(ctx)
	state, err := h.svc.AnalysisStatus(ctx, owner(ctx), req.SessionId.String())
	if err != nil {
		return nil, err
	}
	return gen.GetAnalysisStatus200JSONResponse{Status: gen.SuccessStatusSuccess, Data: gen.AnalysisStatusData{Analysis: toAnalysisState(state)}}, nil
}

func (h *Handlers) GetEmotions(ctx context.Context, req gen.GetEmotionsRequestObject) (gen.GetEmotionsResponseObject, error) {
	ctx = requestContext(ctx)
	f := therapy.Filter{Start: req.Params.StartTime, End: req.Params.EndTime}
	if req.Params.Category != nil {
		f.Category = *req.Params.Category
	}
	list, err := h.svc.Emotions(ctx, owner(ctx), req.SessionId.String(), f)
	if err != nil {
		return nil, err
	}
	return gen.GetEmotions200JSONResponse{Status: gen.SuccessStatusSuccess, Data: gen.EmotionsData{Emotions: toEmotions(list)}}, nil
}

func (h *Handlers) GetTopics(ctx context.Context, req gen.GetTopicsRequestObject) (gen.GetTopicsResponseObject, error) {
	ctx = requestContext(ctx)
	f := therapy.Filter{Start: req.Params.StartTime, End: req.Params.EndTime}
	if req.Params.Category != nil {
		f.Category = *req.Params.Category
	}
	list, err := h.svc.Topics(ctx, owner(ctx), req.SessionId.String(), f)
	if err != nil {
		return nil, err
	}
	return gen.GetTopics200JSONResponse{Status: gen.SuccessStatusSuccess, Data: gen.TopicsData{Topics: toTopics(list)}}, nil
}

func (h *Handlers) GetInsights(ctx context.Context, req gen.GetInsightsRequestObject) (gen.GetInsightsResponseObject, error) {
	ctx = requestContext(ctx)
	f := therapy.Filter{Start: req.Params.StartTime, End: req.Params.EndTime}
	if req.Params.Type != nil {
		f.Type = string(*req.Params.Type)
	}
	list, err := h.svc.Insights(ctx, owner(ctx), req.SessionId.String(), f)
	if err != nil {
		return nil, err
	}
	return gen.GetInsights200JSONResponse{Status: gen.SuccessStatusSuccess, Data: gen.InsightsData{Insights: toInsights(list)}}, nil
}
