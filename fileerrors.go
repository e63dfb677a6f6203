package dispatchd

import (
	"cmp"
	"fmt"
	"slices"
)

// MaxFileErrors bounds the errors listed for one imported file: past that
// they are only counted.
const MaxFileErrors = 1000

// FileErrors collects the errors of an imported file by line, listing up
// to MaxFileErrors; Err reports them all at once, for a file imported all
// or nothing.
type FileErrors struct {
	list  []FieldError
	total int
}

// Add records an error at line.
func (e *FileErrors) Add(line int, field, format string, args ...any) {
	e.total++
	if len(e.list) < MaxFileErrors {
		e.list = append(e.list, FieldError{Line: line, Field: field, Message: fmt.Sprintf(format, args...)})
	}
}

// AddErr records err at line: each of its field errors, or its message.
func (e *FileErrors) AddErr(line int, err error) {
	fields := ErrorFields(err)
	if len(fields) == 0 {
		e.Add(line, "", "%s", ErrorMessage(err))
		return
	}
	for _, f := range fields {
		e.Add(line, f.Field, "%s", f.Message)
	}
}

// Merge adds the errors of o.
func (e *FileErrors) Merge(o *FileErrors) {
	for _, f := range o.list {
		if len(e.list) < MaxFileErrors {
			e.list = append(e.list, f)
		}
	}
	e.total += o.total
}

// Total is how many errors were recorded.
func (e *FileErrors) Total() int { return e.total }

// Err returns the errors as one invalid-input error, nil when there are
// none.
func (e *FileErrors) Err() error {
	if e.total == 0 {
		return nil
	}
	msg := fmt.Sprintf("%d errors in the file; nothing was imported", e.total)
	if e.total == 1 {
		msg = "1 error in the file; nothing was imported"
	}
	if e.total > len(e.list) {
		msg += fmt.Sprintf(" (the first %d are listed)", len(e.list))
	}
	return &Error{Code: EINVALID, Message: msg, Fields: e.list}
}

// FirstLine is the line of the first error listed, 0 when there is none.
func (e *FileErrors) FirstLine() int {
	if len(e.list) == 0 {
		return 0
	}
	return e.list[0].Line
}

// SortByLine orders the errors listed by line, keeping the order of those
// on one line.
func (e *FileErrors) SortByLine() {
	slices.SortStableFunc(e.list, func(a, b FieldError) int { return cmp.Compare(a.Line, b.Line) })
}
