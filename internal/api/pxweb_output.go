package api

import (
	"strconv"
	"strings"
	"time"
)

// pxJSONStat is a JSON-stat 2.0 dataset as PxWebApi 2.0 writes it (its
// schema Dataset): category indexes as objects, status keyed by the
// cell's index, links of type and href only, and the PX keywords and
// insyn's versions in the extension.
type pxJSONStat struct {
	Version   string                    `json:"version"`
	Class     string                    `json:"class"`
	Href      string                    `json:"href"`
	Label     string                    `json:"label"`
	Source    string                    `json:"source"`
	Updated   string                    `json:"updated"`
	Link      map[string][]pxJSLink     `json:"link"`
	Note      []string                  `json:"note,omitempty"`
	Role      map[string][]string       `json:"role,omitempty"`
	ID        []string                  `json:"id"`
	Size      []int                     `json:"size"`
	Dimension map[string]*pxJSDimension `json:"dimension"`
	Extension pxJSExtension             `json:"extension"`
	Value     []*float64                `json:"value"`
	// Value is null in the metadata of a whole table.
	Status map[string]string `json:"status,omitempty"`
}

type pxJSLink struct {
	Type string `json:"type,omitempty"`
	Href string `json:"href"`
}

type pxJSDimension struct {
	Label     string         `json:"label"`
	Note      []string       `json:"note,omitempty"`
	Category  pxJSCategory   `json:"category"`
	Extension map[string]any `json:"extension,omitempty"`
}

type pxJSCategory struct {
	Index map[string]int    `json:"index"`
	Label map[string]string `json:"label"`
	Unit  map[string]jsUnit `json:"unit,omitempty"`
}

type pxJSExtension struct {
	Px          pxKeywords     `json:"px"`
	LakeVersion string         `json:"lakeVersion"`
	Datasets    []jsDatasetRef `json:"datasets"`
	License     jsLicense      `json:"license"`
	// Status explains each status code.
	Status map[string]jsStatus `json:"status"`
	Gap    string              `json:"gap"`
}

// pxKeywords are the PX file's keywords PxWeb puts in the extension.
type pxKeywords struct {
	TableID     string `json:"tableid"`
	Decimals    int    `json:"decimals"`
	Language    string `json:"language"`
	Contents    string `json:"contents"`
	Description string `json:"description,omitempty"`
	Copyright   string `json:"copyright"`
}

// jsonStat2 writes a cube as PxWeb's json-stat2; metadataOnly leaves
// the values null (the metadata of a whole table).
func (c *pxCube) jsonStat2(r *request, href string, metadataOnly bool) *pxJSONStat {
	t := c.t
	js := &pxJSONStat{
		Version: "2.0", Class: "dataset", Href: href, Label: t.label,
		Source:  strings.TrimPrefix(t.source, "Källa: "),
		Updated: r.v.created().UTC().Format(time.RFC3339),
		Link: map[string][]pxJSLink{
			"describedby": {{Type: "application/json", Href: pxURL(r.base, "tables/"+t.id+"/metadata")}},
			"license":     {{Href: licenceURL}},
		},
		Note:      c.notes,
		Dimension: map[string]*pxJSDimension{},
		Extension: pxJSExtension{
			Px:          pxKeywords{TableID: t.id, Decimals: 0, Language: pxLanguage, Contents: t.label, Description: t.description, Copyright: licenceID},
			LakeVersion: r.v.lakeVersion(),
			License:     jsLicense{ID: licenceID, Label: licenceName, Href: licenceURL, Attribution: licensor},
			Status:      statusCodes, Gap: gapNote,
		},
		Status: map[string]string{},
	}
	for _, d := range t.datasets {
		js.Extension.Datasets = append(js.Extension.Datasets, jsDatasetRef{Name: d.def.name, Version: d.version, Source: d.source})
	}
	role := map[string][]string{}
	for _, v := range c.vars {
		d := &pxJSDimension{Label: v.label, Category: pxJSCategory{Index: map[string]int{}, Label: map[string]string{}}}
		for i, x := range v.values {
			d.Category.Index[x.code] = i
			d.Category.Label[x.code] = x.label
		}
		switch v.kind {
		case pxTime:
			role["time"] = append(role["time"], v.code)
		case pxGeo:
			role["geo"] = append(role["geo"], v.code)
		case pxContents:
			role["metric"] = append(role["metric"], v.code)
			d.Category.Unit = map[string]jsUnit{}
			for _, x := range v.values {
				d.Category.Unit[x.code] = jsUnit{Label: x.unit, Decimals: 0}
			}
		}
		if v.kind == pxRegular || v.kind == pxGeo {
			d.Extension = map[string]any{"elimination": v.elimination}
			if v.elimination {
				d.Extension["eliminationValueCode"] = totalCode
			}
		}
		js.ID = append(js.ID, v.code)
		js.Size = append(js.Size, len(v.values))
		js.Dimension[v.code] = d
	}
	if len(role) > 0 {
		js.Role = role
	}
	if metadataOnly {
		return js
	}
	js.Value = make([]*float64, len(c.figs))
	for i, f := range c.figs {
		if !c.has[i] {
			continue
		}
		if f.published() {
			v := f.value
			js.Value[i] = &v
			continue
		}
		js.Status[strconv.Itoa(i)] = statusCode(f)
	}
	return js
}

// csv lays a cube out long, like a generic table's CSV: one line per
// cell, with each variable's code and label, the value (the mark where
// there is no number) and the status (GraphQL's Mark; both empty where
// there is no cell).
func (c *pxCube) csv(meta []string) *csvFile {
	f := &csvFile{footer: meta}
	for _, v := range c.vars {
		f.header = append(f.header, v.code, v.code+csvLabelSuffix)
	}
	f.header = append(f.header, csvValue, csvStatus)
	pos := make([]int, len(c.vars))
	for i := range c.figs {
		row := make([]csvField, 0, len(f.header))
		for v, p := range pos {
			x := c.vars[v].values[p]
			row = append(row, textField(x.code), textField(x.label))
		}
		if c.has[i] {
			row = append(row, figureField(c.figs[i]), textField(c.figs[i].mark.String()))
		} else {
			row = append(row, textField(""), textField(""))
		}
		f.rows = append(f.rows, row)
		for v := len(pos) - 1; v >= 0; v-- {
			pos[v]++
			if pos[v] < len(c.vars[v].values) {
				break
			}
			pos[v] = 0
		}
	}
	return f
}

// footer are the lines below a cube's data in a file: title, source,
// notes, versions, licence, status codes and the table's metadata URL.
func (c *pxCube) footer(r *request) []string {
	m := openMeta{
		title: c.t.label, source: c.t.source, footnotes: c.notes, lakeVersion: r.v.lakeVersion(),
		updated: r.v.created(), datasets: c.t.datasets,
		jsonStat: pxURL(r.base, "tables/"+c.t.id+"/metadata?outputFormat=json-stat2"),
	}
	return m.footerLines()
}
