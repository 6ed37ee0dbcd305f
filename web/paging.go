package web

import (
	"net/url"
	"strconv"

	"partybot/apperr"
)

// parsePage reads ?page=: 1 when empty. Returns EINVALID for anything
// but a positive number up to maxPage.
func parsePage(s string) (int, error) {
	if s == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxPage {
		return 0, apperr.Errorf(apperr.EInvalid, "页码应为正整数")
	}
	return n, nil
}

// pagerLinks returns the links to the pages before and after page of
// pages ("" where there is none), made by link.
func pagerLinks(page, pages int, link func(page int) string) (prev, next string) {
	if page > 1 {
		prev = link(min(page-1, pages))
	}
	if page < pages {
		next = link(page + 1)
	}
	return prev, next
}

// pageLink is path with the query string query, if any.
func pageLink(path, query string) string {
	if query == "" {
		return path
	}
	return path + "?" + query
}

// queryValues returns a listing's filters as a query string's values:
// each key with its value when not empty (keyValues alternate key and
// value), and page when not 1.
func queryValues(page int, keyValues ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(keyValues); i += 2 {
		if keyValues[i+1] != "" {
			v.Set(keyValues[i], keyValues[i+1])
		}
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return v
}
