package therapyhttp

import (
	"context"
	"errors"
	"io"
	"iter"
	"mime/multipart"
	"net/http"
	"os"

	gen "github.com/sessionhub/server/gen/therapy"
	"github.com/sessionhub/server/internal/platform/convert"
	"github.com/sessionhub/server/internal/platform/ginstrict"
	"github.com/sessionhub/server/internal/platform/restvalidate"
	"github.com/sessionhub/server/internal/platform/uuidform"
	"github.com/sessionhub/server/internal/therapy"
)

func (h *Handlers) CreateSession(ctx context.Context, req gen.CreateSessionRequestObject) (gen.CreateSessionResponseObject, error) {
	ctx = ginstrict.RequestContext(ctx)
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
	id := uuidform.Minted(s.ID)
	return gen.CreateSession201JSONResponse{
		Body: gen.CreateSessionResponse{
			SessionId: id, SessionIdSnake: id, GraphId: id, Status: gen.SessionStatus(s.Status), Title: s.Title, CreatedAt: s.CreatedAt,
		},
		Headers: gen.CreateSession201ResponseHeaders{Location: BasePath + "/sessions/" + s.ID},
	}, nil
}

func (h *Handlers) ListSessions(ctx context.Context, req gen.ListSessionsRequestObject) (gen.ListSessionsResponseObject, error) {
	ctx = ginstrict.RequestContext(ctx)
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
	ctx = ginstrict.RequestContext(ctx)
	s, results, err := h.svc.Get(ctx, owner(ctx), req.SessionId.String())
	if err != nil {
		return nil, err
	}
	return gen.GetSession200JSONResponse(toDetail(s, results)), nil
}

func (h *Handlers) UpdateSession(ctx context.Context, req gen.UpdateSessionRequestObject) (gen.UpdateSessionResponseObject, error) {
	ctx = ginstrict.RequestContext(ctx)
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
	ctx = ginstrict.RequestContext(ctx)
	if err := h.svc.Delete(ctx, owner(ctx), req.SessionId.String()); err != nil {
		return nil, err
	}
	return gen.DeleteSession200JSONResponse{Status: gen.SuccessStatusSuccess, Message: "Session deleted"}, nil
}

// UploadContent hands the multipart body to the domain part by part, so
// the file streams to disk and is never whole in memory.
func (h *Handlers) UploadContent(ctx context.Context, req gen.UploadContentRequestObject) (gen.UploadContentResponseObject, error) {
	ctx = ginstrict.RequestContext(ctx)
	c, state, err := h.svc.Upload(ctx, owner(ctx), req.SessionId.String(), h.formParts(ctx, req.Body))
	if err != nil {
		return nil, err
	}
	return gen.UploadContent201JSONResponse{Status: gen.SuccessStatusSuccess, Data: gen.UploadData{
		Upload: gen.Upload{
			Id: uuidform.Minted(c.ID), Filename: c.Filename, Type: gen.UploadType(c.Type), Size: c.Size, CreatedAt: c.CreatedAt,
		},
		Analysis: toAnalysisState(state),
	}}, nil
}

// formParts yields the form's parts; a failure to read the form, between
// parts or inside one, comes out as uploadReadError says.
func (h *Handlers) formParts(ctx context.Context, form *multipart.Reader) iter.Seq2[therapy.UploadPart, error] {
	return func(yield func(therapy.UploadPart, error) bool) {
		for {
			part, err := form.NextPart()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				yield(therapy.UploadPart{}, h.uploadReadError(ctx, err))
				return
			}
			body := formPartReader{part: part, mapErr: func(err error) error { return h.uploadReadError(ctx, err) }}
			if !yield(therapy.UploadPart{Name: part.FormName(), Filename: part.FileName(), Body: body}, nil) {
				return
			}
		}
	}
}

// formPartReader reads one part, mapping its failures as the form's.
type formPartReader struct {
	part   *multipart.Part
	mapErr func(error) error
}

func (r formPartReader) Read(p []byte) (int, error) {
	n, err := r.part.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = r.mapErr(err)
	}
	return n, err
}

// uploadReadError makes a failure to read the form a 400 naming the file,
// but for the body's size and time limits. A form larger than the file limit
// plus its overhead is an oversized file to the client: the 413 names file
// and states CONTENT_MAX_BYTES, never the JSON bodies' limit.
func (h *Handlers) uploadReadError(ctx context.Context, err error) error {
	if restvalidate.BodyDeadlinePassed(ctx) {
		return os.ErrDeadlineExceeded // the parser's own error may hide the cut
	}
	var bodyTooLarge *http.MaxBytesError
	switch {
	case restvalidate.BodyTimedOut(err):
		return err
	case errors.As(err, &bodyTooLarge):
		return &therapy.TooLargeError{Field: "file", Limit: h.svc.MaxContentBytes()}
	}
	return &therapy.ValidationError{Field: "file", Message: "file could not be read (malformed multipart body)"}
}

func (h *Handlers) GetAnalysisStatus(ctx context.Context, req gen.GetAnalysisStatusRequestObject) (gen.GetAnalysisStatusResponseObject, error) {
	ctx = ginstrict.RequestContext(ctx)
	state, err := h.svc.AnalysisStatus(ctx, owner(ctx), req.SessionId.String())
	if err != nil {
		return nil, err
	}
	return gen.GetAnalysisStatus200JSONResponse{Status: gen.SuccessStatusSuccess, Data: gen.AnalysisStatusData{Analysis: toAnalysisState(state)}}, nil
}

func (h *Handlers) GetEmotions(ctx context.Context, req gen.GetEmotionsRequestObject) (gen.GetEmotionsResponseObject, error) {
	list, err := results(ctx, req.SessionId, filterOf(req.Params.StartTime, req.Params.EndTime, req.Params.Category), h.svc.Emotions, toEmotion)
	return gen.GetEmotions200JSONResponse{Status: gen.SuccessStatusSuccess, Data: gen.EmotionsData{Emotions: list}}, err
}

func (h *Handlers) GetTopics(ctx context.Context, req gen.GetTopicsRequestObject) (gen.GetTopicsResponseObject, error) {
	list, err := results(ctx, req.SessionId, filterOf(req.Params.StartTime, req.Params.EndTime, req.Params.Category), h.svc.Topics, toTopic)
	return gen.GetTopics200JSONResponse{Status: gen.SuccessStatusSuccess, Data: gen.TopicsData{Topics: list}}, err
}

func (h *Handlers) GetInsights(ctx context.Context, req gen.GetInsightsRequestObject) (gen.GetInsightsResponseObject, error) {
	f := filterOf(req.Params.StartTime, req.Params.EndTime, nil)
	if req.Params.Type != nil {
		f.Type = string(*req.Params.Type)
	}
	list, err := results(ctx, req.SessionId, f, h.svc.Insights, toInsight)
	return gen.GetInsights200JSONResponse{Status: gen.SuccessStatusSuccess, Data: gen.InsightsData{Insights: list}}, err
}

// results reads one kind of a session's analysis results for the request's
// owner, in their wire form. With an error the list means nothing: the
// strict server answers the error and never the response beside it.
func results[T, W any](ctx context.Context, id gen.SessionId, f therapy.Filter,
	read func(ctx context.Context, owner, id string, f therapy.Filter) ([]T, error), wire func(T) W) ([]W, error) {
	ctx = ginstrict.RequestContext(ctx)
	list, err := read(ctx, owner(ctx), id.String(), f)
	return convert.Each(list, wire), err
}

// filterOf is a results query's time window and category (nil: any).
func filterOf(start *gen.StartTime, end *gen.EndTime, category *string) therapy.Filter {
	f := therapy.Filter{Start: start, End: end}
	if category != nil {
		f.Category = *category
	}
	return f
}
