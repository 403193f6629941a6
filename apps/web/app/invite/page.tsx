import { InviteAccept } from '../../src/components/InviteAccept';

// One static file serves every /i/<token>: the server maps those URLs here and the client reads the token.
export default function Invite() {
  return <InviteAccept />;
}
