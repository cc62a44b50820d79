/** What a timer token stands for. The core keeps these; hosts only see tokens. */
export type TimerAction =
  | { readonly kind: 'probe-tick' }
  | { readonly kind: 'probe-timeout'; readonly seq: number }
  | { readonly kind: 'relay-timeout'; readonly seq: number }
  | { readonly kind: 'gossip' }
  | { readonly kind: 'push-pull' }
  | { readonly kind: 'follow-up-sync' }
  | { readonly kind: 'reconnect' }
  | { readonly kind: 'id-check'; readonly seq: number }
  | { readonly kind: 'verify'; readonly id: string; readonly seq: number }
  | { readonly kind: 'verify-pace' }
  | { readonly kind: 'announce-pace' }
  | { readonly kind: 'announce-repeat' }
  | { readonly kind: 'reap' }
  | { readonly kind: 'suspicion'; readonly id: string }
  | { readonly kind: 'view' }
  | { readonly kind: 'settle' }
  | { readonly kind: 'leave-timeout' };
