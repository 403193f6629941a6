'use client';

/** Approval is final, so the Approve button asks first and says what it locks (as the server enforces it). */
export function ApproveConfirm({ number, deliverOnlyApproved, referenceName = null, onApprove, onCancel }: {
  number: number;
  deliverOnlyApproved: boolean;
  /** The reference track chosen for comparison, recorded with the approval. */
  referenceName?: string | null;
  onApprove: () => void;
  onCancel: () => void;
}) {
  return (
    <div className="approve-confirm" role="alertdialog" aria-label={`Approve v${number}?`} data-testid="approve-confirm">
      <p>
        Approve <strong>v{number}</strong> as the master? This cannot be undone: v{number} is locked — its notes can no longer
        be edited, it cannot be deleted and no other decision can be made on it — and the SHA-256 of its file is recorded as
        what you approved{deliverOnlyApproved ? '; it can be downloaded for delivery' : ''}. Later mix changes need a new
        version and a new approval.
        {referenceName ? <> The reference you compared with, <strong data-testid="approve-reference">{referenceName}</strong>, is recorded with it.</> : null}
      </p>
      <div className="row">
        <button type="button" data-testid="approve-confirm-yes" onClick={onApprove}>
          Approve v{number}
        </button>
        <button type="button" data-testid="approve-cancel" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
