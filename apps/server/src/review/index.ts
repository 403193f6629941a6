// The review loop (issue 6): comments, versions, approval, downloads, activity, notifications.
import type { Router } from '../http/router.js';
import { registerApprovalRoutes } from './approval.js';
import { registerCommentRoutes } from './comments.js';
import type { ReviewDeps } from './context.js';
import { Deliveries } from './delivery.js';
import { registerMarkerRoutes } from './marker-routes.js';
import { registerPackRoutes } from './pack.js';
import { registerReferenceRoutes } from './references.js';
import { registerSessionReviewRoutes } from './session-review.js';
import { registerVersionRoutes, VersionViews } from './versions.js';
import { registerVoiceNoteRoutes } from './voice-notes.js';

export { recordActivity, announce } from './activity.js';
export { attachReviewSubscriptions, socketIoBroadcaster, type ReviewBroadcaster } from './broadcast.js';
export type { ReviewDeps } from './context.js';

export function registerReviewRoutes(router: Router, deps: ReviewDeps): void {
  const views = new VersionViews(deps);
  // Before the comment routes: /comments/export, /comments/import and /comments/voice are not comment ids.
  registerMarkerRoutes(router, deps);
  registerVoiceNoteRoutes(router, deps);
  registerCommentRoutes(router, deps);
  registerVersionRoutes(router, deps, views);
  const deliveries = new Deliveries(deps);
  registerApprovalRoutes(router, deps, views, deliveries);
  registerPackRoutes(router, deps, views, deliveries);
  registerSessionReviewRoutes(router, deps);
  registerReferenceRoutes(router, deps);
}
