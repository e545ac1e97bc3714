package therapyhttp

import (
	gen "github.com/sessionhub/server/gen/therapy"
	"github.com/sessionhub/server/internal/platform/uuidform"
	"github.com/sessionhub/server/internal/therapy"
)

func toSummary(s therapy.Session) gen.SessionSummary {
	return gen.SessionSummary{
		Id: uuidform.Minted(s.ID), Title: s.Title, Description: s.Description, Settings: gen.Settings(s.Settings),
		Date: s.CreatedAt, Status: gen.SessionStatus(s.Status), AnalysisStatus: gen.AnalysisStatus(s.Analysis.Status),
		Duration: s.Duration, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt,
	}
}

func toDetail(s therapy.Session, r therapy.Results) gen.SessionDetail {
	d := gen.SessionDetail{
		Id: uuidform.Minted(s.ID), SessionId: uuidform.Minted(s.ID), Title: s.Title, Description: s.Description, Date: s.CreatedAt,
		Duration: s.Duration, Status: gen.SessionStatus(s.Status), AnalysisStatus: gen.AnalysisStatus(s.Analysis.Status),
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt, Settings: gen.Settings(s.Settings),
		Emotions: toEmotions(r.Emotions), Topics: toTopics(r.Topics),
		Insights: []gen.Insight{}, Beliefs: []gen.Insight{}, Challenges: []gen.Insight{}, ActionItems: []gen.Insight{},
	}
	if s.InputMethod != "" {
		m := gen.InputMethod(s.InputMethod)
		d.InputMethod = &m
	}
	for _, i := range toInsights(r.Insights) {
		switch string(i.Type) {
		case therapy.InsightBelief:
			d.Beliefs = append(d.Beliefs, i)
		case therapy.InsightChallenge:
			d.Challenges = append(d.Challenges, i)
		case therapy.InsightActionItem:
			d.ActionItems = append(d.ActionItems, i)
		default:
			d.Insights = append(d.Insights, i)
		}
	}
	return d
}

func toAnalysisState(a therapy.AnalysisState) gen.AnalysisState {
	st := gen.AnalysisState{Status: gen.AnalysisStatus(a.Status), Progress: float32(a.Progress), UpdatedAt: a.UpdatedAt}
	if a.Status == therapy.AnalysisFailed && a.Error != "" {
		msg := a.Error
		st.Error = &msg
	}
	return st
}

func toEmotions(list []therapy.Emotion) []gen.Emotion {
	out := make([]gen.Emotion, 0, len(list))
	for _, e := range list {
		out = append(out, gen.Emotion{Id: uuidform.Minted(e.ID), Name: e.Name, Category: e.Category, Intensity: float32(e.Intensity), Timestamp: e.Timestamp})
	}
	return out
}

func toTopics(list []therapy.Topic) []gen.Topic {
	out := make([]gen.Topic, 0, len(list))
	for _, t := range list {
		out = append(out, gen.Topic{Id: uuidform.Minted(t.ID), Name: t.Name, Category: t.Category, Confidence: float32(t.Confidence), Timestamp: t.Timestamp})
	}
	return out
}

func toInsights(list []therapy.Insight) []gen.Insight {
	out := make([]gen.Insight, 0, len(list))
	for _, i := range list {
		out = append(out, gen.Insight{Id: uuidform.Minted(i.ID), Content: i.Content, Type: gen.InsightType(i.Type), Confidence: float32(i.Confidence), Timestamp: i.Timestamp})
	}
	return out
}
