package dingtalktest

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
)

// DefaultGroupTemplate is the id of the scene group template the fake has
// unless GroupTemplates says otherwise; its robot is the app's.
const DefaultGroupTemplate = "tpl-warroom"

// Scene group refusals the fake answers (classic API errcodes): an unknown
// template, and an owner or member who is not in the contacts.
const (
	ErrCodeNoTemplate  = 4000005
	ErrCodeUnknownUser = 60121
)

// Group is a scene group the fake created.
type Group struct {
	OpenConversationID, ChatID string
	Title, TemplateID, Owner   string
	Members                    []string // user_ids as given, owner first if not among them
	UUID                       string
}

// createSceneGroup answers topapi/im/chat/scenegroup/create. A uuid seen
// before is answered with the group it created (建群去重): no second group.
func (f *Server) createSceneGroup(w http.ResponseWriter, req map[string]any) {
	str := func(k string) string { v, _ := req[k].(string); return v }
	f.mu.Lock()
	defer f.mu.Unlock()
	uuid := str("uuid")
	var g *Group
	for _, x := range f.groups {
		if uuid != "" && x.UUID == uuid {
			g = x
		}
	}
	if g == nil {
		if !slices.Contains(f.GroupTemplates, str("template_id")) {
			fmt.Fprintf(w, `{"errcode":%d,"errmsg":"template not found","success":false}`, ErrCodeNoTemplate)
			return
		}
		members := []string{str("owner_user_id")}
		for _, id := range strings.Split(str("user_ids"), ",") {
			if id != "" && !slices.Contains(members, id) {
				members = append(members, id)
			}
		}
		for _, id := range members {
			if !slices.ContainsFunc(f.Users, func(u User) bool { return u.UserID == id }) {
				fmt.Fprintf(w, `{"errcode":%d,"errmsg":"user %s not found","success":false}`, ErrCodeUnknownUser, id)
				return
			}
		}
		n := len(f.groups) + 1
		g = &Group{OpenConversationID: fmt.Sprintf("cidGroup%d==", n), ChatID: fmt.Sprintf("chatgroup%d", n),
			Title: str("title"), TemplateID: str("template_id"), Owner: str("owner_user_id"), Members: members, UUID: uuid}
		f.groups = append(f.groups, g)
	}
	io.WriteString(w, `{"errcode":0,"errmsg":"ok","success":true,"result":`+
		MustJSON(map[string]string{"open_conversation_id": g.OpenConversationID, "chat_id": g.ChatID})+`}`)
}

// Groups returns copies of the scene groups created, in order.
func (f *Server) Groups() []Group {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Group, len(f.groups))
	for i, g := range f.groups {
		out[i] = *g
		out[i].Members = slices.Clone(g.Members)
	}
	return out
}
