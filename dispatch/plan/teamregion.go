package plan

// TeamRegion returns a team's region as the projection holds it, "" for a
// team it does not hold: the position ingest checks a commander's
// jurisdiction with it.
func (p *Projection) TeamRegion(id string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t, ok := p.teams[id]; ok {
		return t.Region
	}
	return ""
}
