package asks

// SetBatch makes the sweeps handle n people a unit, so that a test sees
// several units with a few people.
func (e *Engine) SetBatch(n int) { e.batch = n }
