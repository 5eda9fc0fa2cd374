package dingtalk

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/tandemhq/tandem/bot"
)

// Interactive cards (互动卡片).
//
// When Config.CardTemplateID is set, a message whose card has buttons with
// an action id is sent with POST /v1.0/card/instances/createAndDeliver
// (card_1.0 CreateAndDeliver) instead of as a markdown robot message. The
// card is an instance of the admin's template, filled in through
// cardData.cardParamMap, and created with callbackType "STREAM", so that a
// click comes back on the Stream topic /v1.0/card/instances/callback (see
// cardEvent), where it becomes an event with Action{ID, Value}.
//
// # Template contract
//
// The template is built in DingTalk's card platform (卡片平台, "消息卡片",
// "普通卡片", associated with Tandem's app) and must be published. Every
// variable is a plain string in cardParamMap (DingTalk's API takes only
// string values), so a list arrives as JSON text:
//
//	title     the card's title, one line, mentions as "@staffId"
//	          (bind it to the header title)
//	markdown  the card's body as DingTalk markdown: the message text, the
//	          fields ("**Label:** value"), any button that could not be made
//	          a real one as "- **Label** → `command`", and the footer as a
//	          quote (bind it to a Markdown component)
//	buttons   a JSON array of the card's buttons, in order, at most six:
//	          [{"text":"Start","action":"task.start","value":"42","color":"blue"}, …]
//	          text is the label, action and value what a click must send
//	          back, color "blue" (primary), "red" (danger) or "gray"
//	button1_text, button1_action, button1_value, button1_color, …
//	button6_text, button6_action, button6_value, button6_color
//	          the same buttons one by one, for a template made of single
//	          buttons rather than a list; the variables of a button the card
//	          does not have are empty strings (hide the button when its
//	          _text is empty)
//
// Each button's click event must be a callback request (回传请求) whose
// parameters (回传参数) are
//
//	action  bound to the button's action (…_action, or the list item's action)
//	value   bound to the button's value (…_value, or the list item's value)
//
// which DingTalk brings back as content.cardPrivateData.params. A click
// without an action parameter is taken as the action of the clicked
// component's id (cardPrivateData.actionIds[0]), so a template may also
// name a fixed button's component id after a Tandem action. The parameter
// name "action_id" is accepted for "action", for templates made before.
//
// A message without such buttons, and every message when CardTemplateID is
// empty or the adapter is in http mode, goes the robot-message way as
// before. The cards are created with callbackType "STREAM", and in http mode
// there is no Stream connection to bring their clicks back.

// pathCreateAndDeliver creates a card instance and delivers it in one call.
const pathCreateAndDeliver = "/v1.0/card/instances/createAndDeliver"

// Template variables (see the contract above).
const (
	cardVarTitle    = "title"
	cardVarMarkdown = "markdown"
	cardVarButtons  = "buttons"
)

// maxCardButtons is how many buttons a card gets as real buttons; the rest
// are listed in its markdown by command, as on the robot-message path.
const maxCardButtons = 6

// Card button colors, DingTalk's button color names.
const (
	cardColorPrimary = "blue"
	cardColorDanger  = "red"
	cardColorDefault = "gray"
)

// codeCardExists is DingTalk's answer to a createAndDeliver whose outTrackId
// is taken (HTTP 400 "param.cardAlreadyExist"): the card was created by an
// earlier attempt of the same outbox row.
const codeCardExists = "param.cardAlreadyExist"

// cardButton is one element of the "buttons" variable.
type cardButton struct {
	Text   string `json:"text"`
	Action string `json:"action"`
	Value  string `json:"value"`
	Color  string `json:"color"`
}

// interactive reports whether m is sent as an interactive card: a template
// is configured, the adapter runs in stream mode (where the clicks come
// back), and the card has a button a click can name.
func (a *Adapter) interactive(m bot.Message) bool {
	if a.cfg.CardTemplateID == "" || a.cfg.Mode != ModeStream || m.Card == nil {
		return false
	}
	for _, b := range m.Card.Buttons {
		if b.ActionID != "" {
			return true
		}
	}
	return false
}

// cardParams renders m as the template's variables. It is pure, so that the
// contract can be tested without DingTalk.
func cardParams(m bot.Message) map[string]string {
	c := m.Card
	if c == nil {
		c = &bot.Card{}
	}
	var mentioned []string // a card's markdown notifies nobody: not used
	text := convertMentions(m.Text, &mentioned)
	var buttons []cardButton
	line := func(b bot.Button) (string, bool) {
		if b.ActionID != "" && len(buttons) < maxCardButtons {
			buttons = append(buttons, cardButton{
				Text:   oneLine(firstNonEmpty(strings.TrimSpace(b.Label), b.ActionID)),
				Action: b.ActionID,
				Value:  b.Value,
				Color:  buttonColor(b.Style),
			})
			return "", false
		}
		cmd := buttonCommand(b)
		return buttonLine(b, cmd, false), cmd != ""
	}
	body := truncateBytes(strings.Join(cardParts(c, text, &mentioned, line), "\n\n"), maxTextBytes)
	title := oneLine(convertMentions(firstNonEmpty(strings.TrimSpace(c.Title), firstLine(m.Text), "Tandem"), &mentioned))
	if buttons == nil {
		buttons = []cardButton{}
	}
	list, _ := marshal(buttons)
	p := map[string]string{
		cardVarTitle:    truncateRunes(title, maxTitleRunes),
		cardVarMarkdown: body,
		cardVarButtons:  string(list),
	}
	for i := range maxCardButtons {
		var b cardButton
		if i < len(buttons) {
			b = buttons[i]
		}
		n := "button" + strconv.Itoa(i+1) + "_"
		p[n+"text"], p[n+"action"], p[n+"value"], p[n+"color"] = b.Text, b.Action, b.Value, b.Color
	}
	return p
}

func buttonColor(style string) string {
	switch style {
	case "primary":
		return cardColorPrimary
	case "danger":
		return cardColorDanger
	}
	return cardColorDefault
}

// createAndDeliverRequest is the body of createAndDeliver, with the fields
// of card_1_0.CreateAndDeliverRequest that Tandem uses.
type createAndDeliverRequest struct {
	CardTemplateID string   `json:"cardTemplateId"`
	OutTrackID     string   `json:"outTrackId"`
	CallbackType   string   `json:"callbackType"`
	CardData       cardData `json:"cardData"`
	OpenSpaceID    string   `json:"openSpaceId"`
	UserIDType     int      `json:"userIdType"` // 1: user ids are staff ids (userid)

	ImGroupOpenSpaceModel   *openSpaceModel    `json:"imGroupOpenSpaceModel,omitempty"`
	ImGroupOpenDeliverModel *groupDeliverModel `json:"imGroupOpenDeliverModel,omitempty"`
	ImRobotOpenSpaceModel   *openSpaceModel    `json:"imRobotOpenSpaceModel,omitempty"`
	ImRobotOpenDeliverModel *robotDeliverModel `json:"imRobotOpenDeliverModel,omitempty"`
}

type cardData struct {
	CardParamMap map[string]string `json:"cardParamMap"`
}

// openSpaceModel is imGroupOpenSpaceModel or imRobotOpenSpaceModel.
// Forwarding is off: a forwarded card's buttons would act from chats the
// card was not meant for. lastMessageI18n is what the chat list shows for
// the card.
type openSpaceModel struct {
	SupportForward  bool              `json:"supportForward"`
	LastMessageI18n map[string]string `json:"lastMessageI18n,omitempty"`
}

type groupDeliverModel struct {
	RobotCode string `json:"robotCode"`
}

type robotDeliverModel struct {
	SpaceType string `json:"spaceType"` // "IM_ROBOT"
	RobotCode string `json:"robotCode"`
}

type createAndDeliverResponse struct {
	Success *bool `json:"success"`
	Result  struct {
		OutTrackID     string `json:"outTrackId"`
		DeliverResults []struct {
			SpaceType string `json:"spaceType"`
			SpaceID   string `json:"spaceId"`
			Success   bool   `json:"success"`
			CarrierID string `json:"carrierId"` // the processQueryKey in IM, unused
			ErrorMsg  string `json:"errorMsg"`
		} `json:"deliverResults"`
	} `json:"result"`
}

// cardToGroup delivers m as an interactive card to a group the bot is in.
func (a *Adapter) cardToGroup(ctx context.Context, o *bot.Outgoing, chatID string) (string, error) {
	params := cardParams(o.Msg)
	space := "dtv1.card//IM_GROUP." + chatID
	req := a.cardRequest(o, space, params)
	req.ImGroupOpenSpaceModel = &openSpaceModel{LastMessageI18n: lastMessage(params)}
	req.ImGroupOpenDeliverModel = &groupDeliverModel{RobotCode: a.cfg.RobotCode}
	return a.createAndDeliver(ctx, req)
}

// cardToUser delivers m as an interactive card to the user's one-to-one
// chat with the bot.
func (a *Adapter) cardToUser(ctx context.Context, o *bot.Outgoing, user string) (string, error) {
	if user == "" {
		return "", &bot.DeliveryError{Err: errNoTarget, Permanent: true}
	}
	params := cardParams(o.Msg)
	space := "dtv1.card//IM_ROBOT." + user
	req := a.cardRequest(o, space, params)
	req.ImRobotOpenSpaceModel = &openSpaceModel{LastMessageI18n: lastMessage(params)}
	req.ImRobotOpenDeliverModel = &robotDeliverModel{SpaceType: "IM_ROBOT", RobotCode: a.cfg.RobotCode}
	return a.createAndDeliver(ctx, req)
}

func (a *Adapter) cardRequest(o *bot.Outgoing, space string, params map[string]string) createAndDeliverRequest {
	return createAndDeliverRequest{
		CardTemplateID: a.cfg.CardTemplateID,
		OutTrackID:     outTrackID(o, space),
		CallbackType:   "STREAM",
		CardData:       cardData{CardParamMap: params},
		OpenSpaceID:    space,
		UserIDType:     1,
	}
}

func lastMessage(params map[string]string) map[string]string {
	t := params[cardVarTitle]
	return map[string]string{"ZH_CN": t, "EN_US": t}
}

// createAndDeliver makes the call and reads its answer. It returns the
// card's outTrackId, which is also the MessageID of its clicks' actions
// (and what PUT /v1.0/card/instances would update). The call is
// classified like the other robot calls (rate limits wait, refusals are
// permanent, DingTalk's own trouble is retried), with two additions:
//
//   - "param.cardAlreadyExist" means an earlier attempt of the same outbox
//     row created the card (its answer was lost), so the message counts as
//     delivered. Should that attempt have created the card but failed to
//     deliver it, this takes it for delivered too; DingTalk does not say
//     which.
//   - A delivery DingTalk reports as failed in deliverResults (the robot is
//     not in the group, say) is permanent: the instance now exists, so a
//     retry of the same row would only meet "param.cardAlreadyExist".
func (a *Adapter) createAndDeliver(ctx context.Context, req createAndDeliverRequest) (string, error) {
	var out createAndDeliverResponse
	err := a.robotCall(ctx, pathCreateAndDeliver, req, &out)
	if err != nil {
		var e *apiError
		if errors.As(err, &e) && e.code == codeCardExists {
			a.log.Info("dingtalk: card already created by an earlier attempt; taken as delivered", "out_track_id", req.OutTrackID)
			return req.OutTrackID, nil
		}
		return "", err
	}
	if out.Success != nil && !*out.Success {
		return "", &bot.DeliveryError{Err: fmt.Errorf("dingtalk: %s: answer with success false", pathCreateAndDeliver), Permanent: true}
	}
	for _, r := range out.Result.DeliverResults {
		if !r.Success {
			return "", &bot.DeliveryError{Err: fmt.Errorf("dingtalk: %s: delivery to %s %s failed: %s",
				pathCreateAndDeliver, r.SpaceType, r.SpaceID, firstNonEmpty(r.ErrorMsg, "no reason given")), Permanent: true}
		}
	}
	return req.OutTrackID, nil
}

// outTrackID is the card instance's id, which DingTalk wants unique: it is
// derived from the outbox row (key, id, creation time) and the space, so a
// retried row asks for the same card (DingTalk refuses the duplicate, see
// createAndDeliver), a fresh database does not reuse ids, and a row that
// falls back from a group to a user's chat gets a card of its own. It is
// "tandem-" and 32 hex digits; DingTalk's own SDKs use 64 hex digits.
func outTrackID(o *bot.Outgoing, space string) string {
	var sum [32]byte
	if o != nil && (o.Key != "" || o.ID != 0) {
		sum = sha256.Sum256(fmt.Appendf(nil, "tandem/dingtalk/card\x00%s\x00%d\x00%d\x00%s", o.Key, o.ID, o.CreatedAt.UnixMicro(), space))
	} else {
		_, _ = rand.Read(sum[:])
	}
	return cardIDPrefix + hex.EncodeToString(sum[:16])
}

// pathUpdateCard updates a card instance's variables (card_1.0 UpdateCard,
// PUT): the counterpart of createAndDeliver. (PUT /v1.0/im/interactiveCards
// updates cards sent with the older im_1.0 interactiveCards/send, which
// Tandem does not use.)
const pathUpdateCard = "/v1.0/card/instances"

// cardIDPrefix starts every outTrackId Tandem gives a card (outTrackID), so
// an id Send returned tells an interactive card from a robot message's
// processQueryKey.
const cardIDPrefix = "tandem-"

type updateCardRequest struct {
	OutTrackID        string            `json:"outTrackId"`
	CardData          cardData          `json:"cardData"`
	CardUpdateOptions cardUpdateOptions `json:"cardUpdateOptions"`
	UserIDType        int               `json:"userIdType"`
}

// cardUpdateOptions: updateCardDataByKey merges the variables sent into
// the card's instead of replacing them all, so a template's own variables
// (ones Tandem does not fill) keep their values. Tandem sends every
// variable of the contract, so the buttons a card no longer has are
// emptied, not left behind.
type cardUpdateOptions struct {
	UpdateCardDataByKey bool `json:"updateCardDataByKey"`
}

// edit applies o.Msg.Edit. An interactive card (its outTrackId, which Send
// returned and its clicks carry) is updated in place: its variables become
// those of the new card alone (the edit's Text is a one-line follow-up, not
// part of the card), so it shows its subject's new state and the buttons
// it still has. Robot messages (sampleMarkdown, sampleText) and session
// webhook replies cannot be edited: DingTalk has no API for that. For them,
// and for a card DingTalk refuses to update for good (gone, or made by
// another app), Msg.Text is posted to o.To as a follow-up instead.
//
// The update is idempotent (the same variables again), so a retry after a
// crash is harmless; a follow-up is posted at least once, like every robot
// message (DingTalk takes no idempotency key for them).
func (a *Adapter) edit(ctx context.Context, o *bot.Outgoing) (string, error) {
	id := o.Msg.Edit.RemoteID
	if strings.HasPrefix(id, cardIDPrefix) && o.Msg.Card != nil {
		req := updateCardRequest{
			OutTrackID:        id,
			CardData:          cardData{CardParamMap: cardParams(bot.Message{Card: o.Msg.Card})},
			CardUpdateOptions: cardUpdateOptions{UpdateCardDataByKey: true},
			UserIDType:        1,
		}
		var out struct {
			Success *bool `json:"success"`
		}
		err := a.apiCall(ctx, http.MethodPut, pathUpdateCard, req, &out)
		if err == nil && out.Success != nil && !*out.Success {
			err = &bot.DeliveryError{Err: fmt.Errorf("dingtalk: %s: answer with success false", pathUpdateCard), Permanent: true}
		}
		if err == nil || !isPermanent(err) {
			return id, err
		}
		a.log.Info("dingtalk: card cannot be updated; posting a follow-up", "outbox_id", o.ID, "out_track_id", id, "err", err)
	}
	if strings.TrimSpace(o.Msg.Text) == "" {
		return id, nil // the reader is told of the change otherwise (bot.Sender)
	}
	follow := *o
	follow.Msg = bot.Message{Text: o.Msg.Text, Private: o.Msg.Private}
	return a.sendMessage(ctx, &follow)
}
