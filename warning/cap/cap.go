// Package cap reads and writes OASIS Common Alerting Protocol 1.2 alert
// documents (docs.oasis-open.org/emergency/cap/v1.2), the format weather
// services and China's national early-warning platform (12379) exchange
// warnings in. It is pure: no I/O beyond the reader and writer it is given.
//
// Decode is strict where the standard is: required elements, enumerations,
// date-times, polygons and circles are checked, and every problem is
// reported as a field error naming the element's path, such as
// info[0].area[1].polygon[0]. It is lenient in three documented ways:
//   - a date-time written with "Z" is accepted as UTC (CAP 1.2 requires
//     "+00:00" or "-00:00"; some feeds write Z, and its meaning is not in
//     doubt); Encode always writes the offset;
//   - the order of elements is not checked on input (the schema's sequence
//     is followed on output), and elements the schema does not know are
//     ignored; an element the schema allows once is refused when repeated,
//     since which one counts would be a guess;
//   - a <severity> written as a GB/T 35965 colour (Red, Orange, Yellow,
//     Blue), as Chinese feeds may, is read as the CAP severity of that level
//     and the level is kept in the LevelParameter parameter.
//
// Surrounding white space of every simple value is dropped.
package cap

import "time"

// Namespace is the XML namespace of CAP 1.2.
const Namespace = "urn:oasis:names:tc:emergency:cap:1.2"

// MaxSize bounds the documents Decode reads.
const MaxSize = 1 << 20

// Alert is one CAP message.
type Alert struct {
	Identifier  string
	Sender      string
	Sent        time.Time
	Status      string
	MsgType     string
	Source      string
	Scope       string
	Restriction string
	// Addresses is the space-separated list of recipients, multi-word ones
	// in double quotes, as CAP writes it.
	Addresses  string
	Code       []string
	Note       string
	References []Reference
	// Incidents is the space-separated list of incident names, as CAP writes it.
	Incidents string
	Info      []Info
}

// Reference names an earlier message, as "sender,identifier,sent".
type Reference struct {
	Sender     string
	Identifier string
	Sent       time.Time
}

// Info is one block of information about the event, in one language.
type Info struct {
	Language     string
	Category     []string
	Event        string
	ResponseType []string
	Urgency      string
	Severity     string
	Certainty    string
	Audience     string
	EventCode    []ValueName
	// Effective, Onset and Expires are zero when absent.
	Effective   time.Time
	Onset       time.Time
	Expires     time.Time
	SenderName  string
	Headline    string
	Description string
	Instruction string
	Web         string
	Contact     string
	Parameter   []ValueName
	Resource    []Resource
	Area        []Area
}

// ValueName is a named value: an event code, a parameter or a geocode.
type ValueName struct {
	ValueName string
	Value     string
}

// Resource is a file that supplements the information.
type Resource struct {
	ResourceDesc string
	MimeType     string
	// Size is in bytes, nil when absent.
	Size     *int64
	URI      string
	DerefURI string
	Digest   string
}

// Area is an affected area.
type Area struct {
	AreaDesc string
	Polygon  []Polygon
	Circle   []Circle
	Geocode  []ValueName
	// Altitude and Ceiling are in feet above mean sea level, nil when absent.
	Altitude *float64
	Ceiling  *float64
}

// Point is a WGS 84 position.
type Point struct {
	Lat, Lon float64
}

// Polygon is a closed ring of at least four points, the first equal to the last.
type Polygon []Point

// Circle is a centre and a radius in kilometres.
type Circle struct {
	Center Point
	Radius float64
}

// Enumerations of CAP 1.2.
var (
	Statuses      = []string{"Actual", "Exercise", "System", "Test", "Draft"}
	MsgTypes      = []string{"Alert", "Update", "Cancel", "Ack", "Error"}
	Scopes        = []string{"Public", "Restricted", "Private"}
	Categories    = []string{"Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra", "CBRNE", "Other"}
	ResponseTypes = []string{"Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor", "Assess", "AllClear", "None"}
	Urgencies     = []string{"Immediate", "Expected", "Future", "Past", "Unknown"}
	Severities    = []string{"Extreme", "Severe", "Moderate", "Minor", "Unknown"}
	Certainties   = []string{"Observed", "Likely", "Possible", "Unlikely", "Unknown"}
)

// timeLayout is CAP's dateTime: seconds, no fraction, an explicit offset.
const timeLayout = "2006-01-02T15:04:05-07:00"

// FormatTime writes t as a CAP date-time, with its offset ("+00:00" for UTC).
func FormatTime(t time.Time) string { return t.Format(timeLayout) }
