// Package smpp is the SMS channel: an SMPP 3.4 transceiver client that
// sends warnings and tasks to phones through a carrier's or aggregator's
// gateway, and hands back what the gateway delivers: delivery receipts
// (sent → delivered, or failed) and replies from phones (MO, "1" or
// "收到").
//
// A Client is configured from a URL,
//
//	smpp://systemid:password@host:2775?source=12345&rate=500&enquire_link=30s&timeout=10s
//
// and Run keeps one bound link open: it reconnects with exponential
// backoff when the link drops, keeps it alive with enquire_link, and
// unbinds when its context ends. Send cuts a long text into concatenated
// parts (a UDH with an 8-bit reference). Text of the ASCII characters
// that GSM 03.38 codes alike goes as data_coding 0, 160 characters in one
// message or 153 a part; any other text (Chinese, or an '_' in a link)
// goes as UCS2 (data_coding 8), 70 characters or 67 a part. Only
// the last part asks for a delivery receipt, so the gateway id Send
// returns, that part's, is the one a Receipt names. Sends are held to
// Rate parts a second by a token bucket. The password is never logged.
//
// The codec, internal/pdu, is this package's own: no Go SMPP library
// (linxGnu/gosmpp, fiorix/go-smpp, ajankovic/smpp) is served by the module
// proxy here. It covers what a transceiver needs: bind_transceiver,
// submit_sm, deliver_sm, enquire_link, unbind and generic_nack. Its
// decoders are fuzzed. Package smpptest runs a small gateway on loopback
// built on the same codec, for this package's tests and for benchmarks
// and end-to-end tests elsewhere.
//
// Channel makes a Client the notify.SMS channel of the outbox sender
// (notify.Sender), and Feed passes its receipts and replies to the
// sender, which records the gateway id that Send returns with the row, so
// that a Receipt, which names only that id, moves the right recipient to
// delivered or failed. A message whose Send failed part-way is sent whole
// again on retry.
package smpp
