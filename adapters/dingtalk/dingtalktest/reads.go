package dingtalktest

import (
	"cmp"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Read receipts: GET /v1.0/robot/oToMessages/readStatus answers, for a
// processQueryKey the fake gave a batchSend, every recipient of that send
// with readStatus "READ" (and the readTimestamp in milliseconds) once the
// test recorded their read with Read, "UNREAD" before. A key the fake did
// not give to a batchSend (a group message's, or one never issued) is
// refused with HTTP 400 (the fake's code: DingTalk's for an unknown key is
// not documented where we looked).

type oneToOne struct {
	users []string
	read  map[string]time.Time // userId → when
}

// rememberOneToOne keeps a batchSend's recipients under its key. Called
// with f.mu not held.
func (f *Server) rememberOneToOne(pqk string, body map[string]any) {
	users, _ := body["userIds"].([]any)
	m := &oneToOne{read: map[string]time.Time{}}
	for _, u := range users {
		if s, ok := u.(string); ok {
			m.users = append(m.users, s)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sent == nil {
		f.sent = map[string]*oneToOne{}
	}
	f.sent[pqk] = m
}

// Read records that the user read the robot message processQueryKey at the
// time at; readStatus answers it from then on. It reports false when the
// key is not a batchSend's or the user was not one of its recipients.
func (f *Server) Read(processQueryKey, userID string, at time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, ok := f.sent[processQueryKey]
	if !ok {
		return false
	}
	for _, u := range m.users {
		if u == userID {
			if _, seen := m.read[u]; !seen {
				m.read[u] = at
			}
			return true
		}
	}
	return false
}

// readStatus answers robot_1.0 BatchOTOQuery.
func (f *Server) readStatus(w http.ResponseWriter, c Call) {
	pqk := c.Query.Get("processQueryKey")
	f.mu.Lock()
	m, ok := f.sent[pqk]
	var list []map[string]any
	if ok {
		for _, u := range m.users {
			item := map[string]any{"name": u, "userId": u, "readStatus": "UNREAD"}
			if at, read := m.read[u]; read {
				item["readStatus"], item["readTimestamp"] = "READ", at.UnixMilli()
			}
			list = append(list, item)
		}
	}
	f.mu.Unlock()
	switch {
	case c.Query.Get("robotCode") == "":
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"code":"MissingrobotCode","message":"robotCode is mandatory for this action.","requestid":"r3"}`)
	case !ok:
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"code":"invalidParameter.processQueryKey.notExist","message":"processQueryKey not exist","requestid":"r4"}`)
	default:
		raw, _ := json.Marshal(map[string]any{"sendStatus": "SUCCESS", "messageReadInfoList": list})
		w.Write(raw)
	}
}

// OneToOne returns the processQueryKeys of the batchSends the fake
// answered that went to userID, oldest first: the remote ids Tandem keeps
// for those messages, and what Read takes.
func (f *Server) OneToOne(userID string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var keys []string
	for k, m := range f.sent {
		if slices.Contains(m.users, userID) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b string) int { return cmp.Compare(callNumber(a), callNumber(b)) })
	return keys
}

// callNumber is the N of "pqk-N".
func callNumber(pqk string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(pqk, "pqk-"))
	return n
}
