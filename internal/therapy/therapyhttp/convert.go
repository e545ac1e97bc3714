package therapyhttp

import (
	gen "github.com/sessionhub/server/gen/therapy"
	"github.com/sessionhub/server/internal/platform/convert"
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
		Emotions: convert.Each(r.Emotions, toEmotion), Topics: convert.Each(r.Topics, toTopic),
		Insights: []gen.Insight{}, Beliefs: []gen.Insight{}, Challenges: []gen.Insight{}, ActionItems: []gen.Insight{},
	}
	if s.InputMethod != "" {
		m := gen.InputMethod(s.InputMethod)
		d.InputMethod = &m
	}
	for _, i := range convert.Each(r.Insights, toInsight) {
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

func toEmotion(e therapy.Emotion) gen.Emotion {
	return gen.Emotion{Id: uuidform.Minted(e.ID), Name: e.Name, Category: e.Category, Intensity: float32(e.Intensity), Timestamp: e.Timestamp}
}

func toTopic(t therapy.Topic) gen.Topic {
	return gen.Topic{Id: uuidform.Minted(t.ID), Name: t.Name, Category: t.Category, Confidence: float32(t.Confidence), Timestamp: t.Timestamp}
}

func toInsight(i therapy.Insight) gen.Insight {
	return gen.Insight{Id: uuidform.Minted(i.ID), Content: i.Content, Type: gen.InsightType(i.Type), Confidence: float32(i.Confidence), Timestamp: i.Timestamp}
}
