package realtime

// Bus carries the newest positions to every node's hub, this node's
// included. Publish never blocks.
type Bus interface {
	Publish(ps []Position)
}

// LocalBus is the in-process bus of a single node: it delivers at once.
type LocalBus func(ps []Position)

// Publish implements Bus.
func (b LocalBus) Publish(ps []Position) { b(ps) }

// Deliver returns what a bus calls with positions from any node: the hub
// keeps the newest of each unit, and moved receives those that were.
func (h *Hub) Deliver(moved func([]Position)) func([]Position) {
	return func(ps []Position) {
		if m := h.Move(ps); len(m) > 0 && moved != nil {
			moved(m)
		}
	}
}
