package e2e

import (
	"fmt"
	"testing"
)

// localRaisedJS is true while the web app's own participant has its hand raised.
const localRaisedJS = `((APP.store.getState()['features/base/participants'].local || {}).raisedHandTimestamp || 0) > 0`

// raisedQueueJS is true when the web app's queue of raised hands holds n participants.
func raisedQueueJS(n int) string {
	return fmt.Sprintf(`APP.store.getState()['features/base/participants'].raisedHandsQueue.length === %d`, n)
}

// TestWebAppLowerAllHands: two participants raise their hands with the toolbar button (their presence
// carries it); the moderator's web app queues both; the moderator picks "Lower all hands" in the
// participants pane's "More moderation options" menu — an endpoint message to everyone, relayed by the
// bridge, which the apps obey because it comes from a moderator — and both hands go down on their own
// pages and in the moderator's queue.
func TestWebAppLowerAllHands(t *testing.T) {
	w := startWebUI(t, webAppNoLobby...)
	w.joinAll("WebAppLowerHands", []string{"Host Hanna", "Raising Rita", "Raising Raj"})
	for _, p := range []int{1, 2} {
		w.toolbarButton(p, "Raise your hand")
		w.waitJS(p, webUITimeout, "own hand raised", localRaisedJS)
	}
	w.waitJS(0, webUITimeout, "both raised hands queued at the moderator", raisedQueueJS(2))
	w.openParticipantsPane(0)
	w.click(0, "#participants-pane-context-menu")
	w.click(0, `[aria-label="Lower all hands"]`)
	for _, p := range []int{1, 2} {
		w.waitJS(p, webUITimeout, "own hand lowered by the moderator", "!("+localRaisedJS+")")
	}
	w.waitJS(0, webUITimeout, "no raised hand left at the moderator", raisedQueueJS(0))
	checkWebAppLogs(t, w.logs, 3)
}
