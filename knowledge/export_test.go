package knowledge

// UsePDFToText makes the PDF loader use the pdftotext at path ("" for the
// built-in extractor) until the returned function is called.
func UsePDFToText(path string) (restore func()) {
	old := pdftotext
	pdftotext = func() string { return path }
	return func() { pdftotext = old }
}

// PDFToTextPath returns the pdftotext the PDF loader would use.
func PDFToTextPath() string { return pdftotext() }

// UseErrata makes the loaders apply e, in place of the shipped errata, to
// the documents named under its folder, until the returned function is
// called.
func UseErrata(e *Errata) (restore func()) {
	old := shippedErrata
	shippedErrata = func() (*Errata, error) { return e, nil }
	return func() { shippedErrata = old }
}
