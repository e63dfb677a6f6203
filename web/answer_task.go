package web

import (
	"context"

	"dispatchd/dispatch"
	"dispatchd/notify"
)

// TaskAnswers is the Answerer of the codes of tasks sent to leads whose
// page was closed: answering acknowledges the task.
func TaskAnswers(s *dispatch.Service) Answerer { return taskAnswerer{s} }

type taskAnswerer struct{ s *dispatch.Service }

func (a taskAnswerer) ShowCode(ctx context.Context, code string) (*OneTap, error) {
	return oneTapOfTask(a.s.ShowTaskCode(ctx, code))
}

func (a taskAnswerer) AnswerCode(ctx context.Context, code string) (*OneTap, error) {
	return oneTapOfTask(a.s.AckTaskCode(ctx, code))
}

func oneTapOfTask(t *dispatch.Task, in *dispatch.Incident, err error) (*OneTap, error) {
	if err != nil {
		return nil, err
	}
	return &OneTap{Kind: notify.KindTask, Headline: in.Title, Instruction: t.Instructions, Sender: t.CreatedBy,
		Deadline: t.AckBy, AnsweredAt: t.AckedAt}, nil
}
