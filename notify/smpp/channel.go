package smpp

import (
	"context"

	"dispatchd/notify"
)

// Channel is the SMS channel of the outbox sender: a Client seen as a
// notify.Channel.
type Channel struct{ Client *Client }

var _ notify.Channel = Channel{}

// Send implements notify.Channel: the outgoing message as one SMS, cut
// into parts if it is long; the gateway id is its last part's.
func (c Channel) Send(ctx context.Context, out notify.Outgoing) (string, error) {
	return c.Client.Send(ctx, Message{To: out.Recipient, Text: out.Text, Ref: out.ID})
}

// Sink receives what the gateway delivers; a *notify.Sender is one. Its
// methods must not block.
type Sink interface {
	Receipt(channel, gatewayID, state string)
	Reply(channel, from, text string)
}

// Feed returns the Handlers that pass a Client's receipts and replies to
// sink, as the channel notify.SMS:
//
//	sender := notify.NewSender(store, cfg, hooks, log)
//	client := smpp.New(smppCfg, smpp.Feed(sender), log)
//	sender.Handle(notify.SMS, smpp.Channel{Client: client}, notify.ChannelConfig{Rate: 500})
func Feed(sink Sink) Handlers {
	return Handlers{
		Receipt: func(r Receipt) {
			state := notify.Failed
			if r.Status == Delivered {
				state = notify.Delivered
			}
			sink.Receipt(notify.SMS, r.GatewayID, state)
		},
		MO: func(m MO) { sink.Reply(notify.SMS, m.From, m.Text) },
	}
}
