package cap

import "encoding/xml"

// The wire types mirror the schema: their fields are in the order of its
// sequences, which is the order Encode writes them in.

type xmlAlert struct {
	XMLName     xml.Name  `xml:"urn:oasis:names:tc:emergency:cap:1.2 alert"`
	Identifier  string    `xml:"identifier"`
	Sender      string    `xml:"sender"`
	Sent        string    `xml:"sent"`
	Status      string    `xml:"status"`
	MsgType     string    `xml:"msgType"`
	Source      string    `xml:"source,omitempty"`
	Scope       string    `xml:"scope"`
	Restriction string    `xml:"restriction,omitempty"`
	Addresses   string    `xml:"addresses,omitempty"`
	Code        []string  `xml:"code"`
	Note        string    `xml:"note,omitempty"`
	References  string    `xml:"references,omitempty"`
	Incidents   string    `xml:"incidents,omitempty"`
	Info        []xmlInfo `xml:"info"`
}

type xmlInfo struct {
	Language     string         `xml:"language,omitempty"`
	Category     []string       `xml:"category"`
	Event        string         `xml:"event"`
	ResponseType []string       `xml:"responseType"`
	Urgency      string         `xml:"urgency"`
	Severity     string         `xml:"severity"`
	Certainty    string         `xml:"certainty"`
	Audience     string         `xml:"audience,omitempty"`
	EventCode    []xmlValueName `xml:"eventCode"`
	Effective    string         `xml:"effective,omitempty"`
	Onset        string         `xml:"onset,omitempty"`
	Expires      string         `xml:"expires,omitempty"`
	SenderName   string         `xml:"senderName,omitempty"`
	Headline     string         `xml:"headline,omitempty"`
	Description  string         `xml:"description,omitempty"`
	Instruction  string         `xml:"instruction,omitempty"`
	Web          string         `xml:"web,omitempty"`
	Contact      string         `xml:"contact,omitempty"`
	Parameter    []xmlValueName `xml:"parameter"`
	Resource     []xmlResource  `xml:"resource"`
	Area         []xmlArea      `xml:"area"`
}

type xmlValueName struct {
	ValueName string `xml:"valueName"`
	Value     string `xml:"value"`
}

type xmlResource struct {
	ResourceDesc string `xml:"resourceDesc"`
	MimeType     string `xml:"mimeType"`
	Size         string `xml:"size,omitempty"`
	URI          string `xml:"uri,omitempty"`
	DerefURI     string `xml:"derefUri,omitempty"`
	Digest       string `xml:"digest,omitempty"`
}

type xmlArea struct {
	AreaDesc string         `xml:"areaDesc"`
	Polygon  []string       `xml:"polygon"`
	Circle   []string       `xml:"circle"`
	Geocode  []xmlValueName `xml:"geocode"`
	Altitude string         `xml:"altitude,omitempty"`
	Ceiling  string         `xml:"ceiling,omitempty"`
}
