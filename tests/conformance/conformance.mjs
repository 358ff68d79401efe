// A second implementation of peertui protocol v2, written from docs/PROTOCOL.md alone.
//
//   node conformance.mjs vectors PROTOCOL.md     recompute every published test vector
//   node conformance.mjs decrypt recording.json  open a share and a message recorded from a
//                                                real relay, as their recipient; print JSON
//   node conformance.mjs session URL SEED GID ENV open a request session (§11.1) on a real relay
//                                                as the member with that seed, post ENV MAC'd
//
// Every primitive comes from libsodium (libsodium-wrappers-sumo); nothing is hand-written.
// Section numbers (§) are those of docs/PROTOCOL.md.

import { readFileSync } from "node:fs";
import { webcrypto } from "node:crypto";

// libsodium.js draws its randomness from Web Crypto, a global only from Node 19 on (Debian's
// Node is 18): provide it before the module loads. The vectors draw nothing from it.
globalThis.crypto ??= webcrypto;
const { default: sodiumModule } = await import("libsodium-wrappers-sumo");
await sodiumModule.ready;
const sodium = sodiumModule;

const VERSION = 0x02;
const KIND = { envelope: 0x4d, sealed: 0x53, share: 0x4b, prekey: 0x50, outbound: 0x4f, prekeys: 0x51, joinRequest: 0x4a, joinReply: 0x52 };
const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: true });

// ----- bytes -------------------------------------------------------------------------------
const cat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};
const u8 = (n) => Uint8Array.of(n);
const u16 = (n) => Uint8Array.of((n >>> 8) & 255, n & 255);
const u32 = (n) => Uint8Array.of((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
const u64 = (n) => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, BigInt(n)); return b; };
const readU32 = (b, at) => new DataView(b.buffer, b.byteOffset).getUint32(at);
const readU64 = (b, at) => Number(new DataView(b.buffer, b.byteOffset).getBigUint64(at));
const hex = (b) => sodium.to_hex(b);
const fromHex = (s) => sodium.from_hex(s);
const b64u = (b) => sodium.to_base64(b, sodium.base64_variants.URLSAFE_NO_PADDING);
const fromB64u = (s) => sodium.from_base64(s, sodium.base64_variants.URLSAFE_NO_PADDING);
const text = (s) => enc.encode(s);
const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

// ----- hashes (notation, §2) ----------------------------------------------------------------
const ZERO_SALT = new Uint8Array(16);
const person16 = (p) => { const b = new Uint8Array(16); b.set(text(p)); return b; };
// libsodium-wrappers' own crypto_generichash_blake2b_salt_personal hashes an empty message (it
// is meant for key derivation), so the personalised hash calls libsodium's C function through
// the module it wraps: (out, outlen, in, inlen as two 32-bit halves, key, keylen, salt, person).
function blake2bPersonal(n, data, key, person) {
  const raw = sodium.libsodium;
  const put = (bytes) => { const at = raw._malloc(Math.max(1, bytes.length)); raw.HEAPU8.set(bytes, at); return at; };
  const out = raw._malloc(n);
  const args = [put(data), put(key ?? new Uint8Array(0)), put(ZERO_SALT), put(person16(person))];
  try {
    const status = raw._crypto_generichash_blake2b_salt_personal(out, n, args[0], data.length, 0, key ? args[1] : 0, key ? key.length : 0, args[2], args[3]);
    if (status !== 0) throw new Error("crypto_generichash_blake2b_salt_personal failed");
    return raw.HEAPU8.slice(out, out + n);
  } finally {
    for (const at of [out, ...args]) raw._free(at);
  }
}
const blake2b = (n, data, { key = null, person = null } = {}) =>
  person === null ? sodium.crypto_generichash(n, data, key) : blake2bPersonal(n, data, key, person);
const sha256 = (data) => sodium.crypto_hash_sha256(data);

// ----- canonical JSON (§10) -----------------------------------------------------------------
function canonical(value) {
  if (Array.isArray(value)) return "[" + value.map(canonical).join(",") + "]";
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return "{" + keys.map((k) => JSON.stringify(k) + ":" + canonical(value[k])).join(",") + "}";
  }
  return JSON.stringify(value);
}
const canonicalBytes = (value) => text(canonical(value));

// ----- the test-vector generator (§13) ------------------------------------------------------
function vectorRandom(seed) {
  let block = 0;
  return (n) => {
    const blocks = [];
    for (let have = 0; have < n; have += 32) blocks.push(blake2b(32, u64(block++), { key: text(seed) }));
    return cat(...blocks).slice(0, n);
  };
}

// ----- identities and ids (§2) --------------------------------------------------------------
const identity = (seed) => {
  const pair = sodium.crypto_sign_seed_keypair(seed);
  return { seed, publicKey: pair.publicKey, secretKey: pair.privateKey };
};
const sign = (who, message) => sodium.crypto_sign_detached(message, who.secretKey);
const verify = (publicKey, message, signature) => sodium.crypto_sign_verify_detached(signature, message, publicKey);
const groupIdFor = (ownerKey) => b64u(blake2b(16, ownerKey, { person: "peertui-group" }));
const memberIdFor = (key) => hex(blake2b(5, key, { person: "peertui-member" }));
const inviteSecretHash = (secret) => b64u(blake2b(32, secret, { person: "peertui-invite" }));
const x25519Public = (secret) => sodium.crypto_scalarmult_base(secret);
const header = (kind) => Uint8Array.of(VERSION, kind);

// ----- padding (§6.2) -----------------------------------------------------------------------
const blockFor = (size) => (size <= 4096 ? 256 : 4096);
const pad = (data) => sodium.pad(data, blockFor(data.length + 1));
const unpad = (data) => sodium.unpad(data, blockFor(data.length));

// ----- roster events (§7) -------------------------------------------------------------------
function genesis(owner, ts) {
  const signer = b64u(owner.publicKey);
  const event = { v: 2, group: groupIdFor(owner.publicKey), index: 0, prev: "", kind: "genesis", signer, target: signer, role: "owner", until: 0, value: 0, ts };
  event.sig = b64u(sign(owner, cat(text("peertui-roster-v2\n"), canonicalBytes(event))));
  return event;
}
const eventHash = (event) => blake2b(32, canonicalBytes(event));

// ----- invites (§8a) ------------------------------------------------------------------------
function inviteToken({ gid, ownerKey, secret, joinKey, url }) {
  const urlBytes = text(url);
  const body = cat(u8(VERSION), gid, ownerKey, secret, joinKey, u16(urlBytes.length), urlBytes);
  return "peertui:" + b64u(cat(body, blake2b(4, body, { person: "peertui-invchk" })));
}

// ----- signed prekeys (§4) ------------------------------------------------------------------
function prekeyBundle(owner, gid, id, createdMs, secret) {
  const head = cat(header(KIND.prekey), gid, owner.publicKey, u32(id), u64(createdMs), x25519Public(secret));
  return cat(head, sign(owner, cat(text("peertui-prekey-v2"), head)));
}
function parsePrekey(bundle, gid) {
  if (bundle.length !== 158 || bundle[0] !== VERSION || bundle[1] !== KIND.prekey) throw new Error("not a v2 prekey");
  if (!equal(bundle.slice(2, 18), gid)) throw new Error("prekey for another group");
  const owner = bundle.slice(18, 50);
  if (!sodium.crypto_core_ed25519_is_valid_point(owner)) throw new Error("prekey owner is not a point");
  if (!verify(owner, cat(text("peertui-prekey-v2"), bundle.slice(0, 94)), bundle.slice(94))) throw new Error("prekey signature");
  return { owner, id: readU32(bundle, 50), createdMs: readU64(bundle, 54), publicKey: bundle.slice(62, 94) };
}

// ----- sealed blobs (§5) --------------------------------------------------------------------
function seal(sender, prekey, payload, context, random) {
  const e = random(32);
  const E = x25519Public(e);
  const nonce = random(24);
  const head = cat(header(KIND.sealed), u32(prekey.id), E);
  const signature = sign(sender, cat(text("peertui-seal-v2"), u32(context.length), context, prekey.owner, u32(prekey.id), E, payload));
  const key = sodium.crypto_box_beforenm(prekey.publicKey, e);
  const inner = cat(sender.publicKey, signature, pad(payload));
  return cat(head, nonce, sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(inner, cat(head, prekey.owner, context), null, nonce, key));
}
function openSealed(recipientKey, prekeySecrets, sealed, context) {
  if (sealed[0] !== VERSION || sealed[1] !== KIND.sealed) throw new Error("not a v2 sealed blob");
  const prekeyId = readU32(sealed, 2);
  const secret = prekeySecrets.get(prekeyId);
  if (!secret) throw new Error(`sealed to prekey ${prekeyId}, which is not held`);
  const E = sealed.slice(6, 38);
  const nonce = sealed.slice(38, 62);
  const key = sodium.crypto_box_beforenm(E, secret);
  const inner = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, sealed.slice(62), cat(sealed.slice(0, 38), recipientKey, context), nonce, key);
  const sender = inner.slice(0, 32);
  const payload = unpad(inner.slice(96));
  if (!verify(sender, cat(text("peertui-seal-v2"), u32(context.length), context, recipientKey, u32(prekeyId), E, payload), inner.slice(32, 96))) {
    throw new Error("sealed blob signature");
  }
  return { sender, payload };
}

// ----- sender sessions (§6) -----------------------------------------------------------------
const messageKey = (chainKey) => blake2b(32, u8(0x01), { key: chainKey });
const nextChainKey = (chainKey) => blake2b(32, u8(0x02), { key: chainKey });

function newSession(owner, gid, epoch, head, createdMs, random) {
  const id = random(16);
  const chainKey = random(32);
  const signer = identity(random(32));
  return { owner, gid, epoch, id, chainKey, index: 0, signer, head, createdMs, counter: 0 };
}
const storedOutbound = (s) =>
  cat(header(KIND.outbound), s.gid, s.owner.publicKey, s.id, u32(s.epoch), u32(s.index), u64(s.createdMs), s.chainKey, s.signer.seed, u32(s.head.index), s.head.hash, u32(s.counter));
const shareBytes = (s) =>
  cat(header(KIND.share), s.gid, s.owner.publicKey, s.id, u32(s.epoch), u32(s.index), s.chainKey, s.signer.publicKey, u32(s.head.index), s.head.hash);
function parseShare(b) {
  if (b.length !== 174 || b[0] !== VERSION || b[1] !== KIND.share) throw new Error("not a v2 share");
  return { gid: b.slice(2, 18), sender: b.slice(18, 50), id: b.slice(50, 66), epoch: readU32(b, 66), index: readU32(b, 70), chainKey: b.slice(74, 106), verifyKey: b.slice(106, 138), head: { index: readU32(b, 138), hash: b.slice(142, 174) } };
}

function encrypt(s, payload, sentMs, random) {
  const head = cat(header(KIND.envelope), u32(s.epoch), s.id, u32(s.index), s.owner.publicKey, u32(s.head.index), s.head.hash);
  const nonce = random(24);
  const ad = cat(head.slice(0, 2), s.gid, head.slice(2, 94));
  const inner = cat(u64(sentMs), u32(s.counter), payload);
  const body = cat(head, nonce, sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(pad(inner), ad, null, nonce, messageKey(s.chainKey)));
  s.chainKey = nextChainKey(s.chainKey);
  s.index += 1;
  s.counter += 1;
  return cat(body, sign(s.signer, cat(text("peertui-envelope-v2"), s.gid, body)));
}
function decrypt(share, envelope) {
  if (envelope[0] !== VERSION || envelope[1] !== KIND.envelope) throw new Error("not a v2 envelope");
  const body = envelope.slice(0, envelope.length - 64);
  if (!verify(share.verifyKey, cat(text("peertui-envelope-v2"), share.gid, body), envelope.slice(envelope.length - 64))) {
    throw new Error("envelope signature");
  }
  if (readU32(envelope, 2) !== share.epoch || !equal(envelope.slice(6, 22), share.id)) throw new Error("another session");
  if (!equal(envelope.slice(26, 58), share.sender)) throw new Error("another sender");
  const index = readU32(envelope, 22);
  if (index < share.index) throw new Error("sent before this share");
  let chainKey = share.chainKey;
  for (let n = share.index; n < index; n++) chainKey = nextChainKey(chainKey);
  const ad = cat(envelope.slice(0, 2), share.gid, envelope.slice(2, 94));
  const inner = unpad(sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, body.slice(118), ad, envelope.slice(94, 118), messageKey(chainKey)));
  return {
    index,
    head: { index: readU32(envelope, 58), hash: envelope.slice(62, 94) },
    sentMs: readU64(inner, 0),
    counter: readU32(inner, 8),
    payload: inner.slice(12),
    id: b64u(blake2b(32, envelope)),
  };
}

// ----- join blobs (§8a) ---------------------------------------------------------------------
function sealJoin(kind, recipient, gid, payload, random) {
  const e = random(32);
  const E = x25519Public(e);
  const nonce = random(24);
  const key = sodium.crypto_box_beforenm(recipient, e);
  const ad = cat(header(kind), E, recipient, gid);
  return cat(header(kind), E, nonce, sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(sodium.pad(payload, 4096), ad, null, nonce, key));
}
function openJoin(kind, secret, gid, blob) {
  if (blob.length !== 4170 || blob[0] !== VERSION || blob[1] !== kind) throw new Error("not a v2 join blob of this kind");
  const E = blob.slice(2, 34);
  const ad = cat(header(kind), E, x25519Public(secret), gid);
  const padded = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, blob.slice(58), ad, blob.slice(34, 58), sodium.crypto_box_beforenm(E, secret));
  return sodium.unpad(padded, 4096);
}

// ----- request signing (§11) ----------------------------------------------------------------
const signingBytes = (origin, method, pathQuery, tsMs, nonce, body) =>
  text(["peertui-request-v2", origin, method, pathQuery, String(tsMs), nonce, hex(sha256(body))].join("\n"));

// ----- the vectors (§13) --------------------------------------------------------------------
function computeVectors() {
  const TS = 1_700_000_000_000;
  const random = vectorRandom("peertui-test-vectors-v2");
  const alice = identity(Uint8Array.from({ length: 32 }, (_, i) => i));
  const bob = identity(Uint8Array.from({ length: 32 }, (_, i) => 32 + i));
  const groupId = groupIdFor(alice.publicKey);
  const gid = fromB64u(groupId);
  const v = new Map();
  v.set("alice.seed", hex(alice.seed));
  v.set("alice.public_key", hex(alice.publicKey));
  v.set("alice.member_id", memberIdFor(alice.publicKey));
  v.set("bob.seed", hex(bob.seed));
  v.set("bob.public_key", hex(bob.publicKey));
  v.set("group_id", groupId);
  const first = genesis(alice, TS);
  const head = { index: 0, hash: eventHash(first) };
  v.set("roster.genesis", canonical(first));
  v.set("roster.genesis_hash", b64u(head.hash));

  const secret = random(32);
  const joinSecret = random(32);
  const joinKey = x25519Public(joinSecret);
  v.set("invite.secret", hex(secret));
  v.set("invite.join_secret", hex(joinSecret));
  v.set("invite.join_key", hex(joinKey));
  v.set("invite.secret_hash", inviteSecretHash(secret));
  v.set("invite.token", inviteToken({ gid, ownerKey: alice.publicKey, secret, joinKey, url: "https://relay.example:8765" }));

  const bobPrekeySecret = random(32);
  const bobPrekeyBytes = prekeyBundle(bob, gid, 1, TS, bobPrekeySecret);
  const bobPrekey = parsePrekey(bobPrekeyBytes, gid);
  v.set("bob.prekey_secret", hex(bobPrekeySecret));
  v.set("bob.prekey", hex(bobPrekeyBytes));
  const context = cat(text("peertui-direct-v2|"), gid);
  v.set("sealed.context", hex(context));
  v.set("sealed.payload", "hello bob");
  v.set("sealed", hex(seal(alice, bobPrekey, text("hello bob"), context, random)));

  const session = newSession(alice, gid, 0, head, TS, random);
  v.set("session.id", hex(session.id));
  v.set("session.chain_key_0", hex(session.chainKey));
  v.set("session.message_key_0", hex(messageKey(session.chainKey)));
  v.set("session.chain_key_1", hex(nextChainKey(session.chainKey)));
  v.set("session.verify_key", hex(session.signer.publicKey));
  v.set("session.stored", hex(storedOutbound(session)));
  const sharePayload = canonicalBytes({ t: "share", blob: b64u(shareBytes(session)) });
  v.set("share.sealed_for_bob", hex(seal(alice, bobPrekey, sharePayload, context, random)));
  const envelope0 = encrypt(session, text("hello group"), TS + 1, random);
  v.set("envelope.0.payload", "hello group");
  v.set("envelope.0.sent_ms", String(TS + 1));
  v.set("envelope.0", hex(envelope0));
  v.set("envelope.0.id", b64u(blake2b(32, envelope0)));
  v.set("envelope.1.payload", "second");
  v.set("envelope.1.sent_ms", String(TS + 2));
  v.set("envelope.1", hex(encrypt(session, text("second"), TS + 2, random)));

  const replySecret = random(32);
  const replyKey = x25519Public(replySecret);
  v.set("join.reply_secret", hex(replySecret));
  v.set("join.reply_key", hex(replyKey));
  const request = canonicalBytes({ t: "join", key: b64u(bob.publicKey), reply: b64u(replyKey), nick: "river", pronouns: "they/them", intro: "new here" });
  v.set("join.request.payload", dec.decode(request));
  v.set("join.request", hex(sealJoin(KIND.joinRequest, joinKey, gid, request, random)));
  const denial = canonicalBytes({ t: "deny", reason: "the group is full" });
  v.set("join.reply.payload", dec.decode(denial));
  v.set("join.reply", hex(sealJoin(KIND.joinReply, replyKey, gid, denial, random)));

  const signed = signingBytes("relay.example.org", "POST", `/v1/groups/${groupId}/messages`, TS, "AAAAAAAAAAAAAAAAAAAAAA", text("{}"));
  v.set("request.signing_bytes", hex(signed));
  v.set("request.signature", hex(sign(alice, signed)));
  return v;
}

function publishedVectors(path) {
  const doc = readFileSync(path, "utf-8");
  const block = /<!-- vectors:begin -->\n```text\n([\s\S]*?)```\n<!-- vectors:end -->/.exec(doc);
  if (!block) throw new Error(`${path} has no test-vector block`);
  return new Map(block[1].split("\n").filter(Boolean).map((line) => {
    const at = line.indexOf(" = ");
    return [line.slice(0, at), line.slice(at + 3)];
  }));
}

function checkVectors(path) {
  const published = publishedVectors(path);
  const computed = computeVectors();
  let passed = 0;
  const failures = [];
  for (const [name, value] of published) {
    if (!computed.has(name)) failures.push(`${name}: not computed (the document names an input this implementation does not know)`);
    else if (computed.get(name) !== value) failures.push(`${name}: computed ${computed.get(name)}`);
    else passed += 1;
  }
  for (const name of computed.keys()) if (!published.has(name)) failures.push(`${name}: computed but not published`);
  // The published blobs must also open again, as their recipients would open them.
  const v = published;
  const gid = fromB64u(v.get("group_id"));
  const bobKey = fromHex(v.get("bob.public_key"));
  const prekeys = new Map([[1, fromHex(v.get("bob.prekey_secret"))]]);
  const reopen = (what, check) => {
    try {
      check() ? (passed += 1) : failures.push(what);
    } catch (error) {
      failures.push(`${what}: ${error.message}`);
    }
  };
  reopen("sealed opens for bob", () => {
    const opened = openSealed(bobKey, prekeys, fromHex(v.get("sealed")), fromHex(v.get("sealed.context")));
    return dec.decode(opened.payload) === v.get("sealed.payload") && equal(opened.sender, fromHex(v.get("alice.public_key")));
  });
  reopen("envelopes decrypt with the share", () => {
    const opened = openSealed(bobKey, prekeys, fromHex(v.get("share.sealed_for_bob")), fromHex(v.get("sealed.context")));
    const share = parseShare(fromB64u(JSON.parse(dec.decode(opened.payload)).blob));
    if (!equal(share.sender, opened.sender) || !equal(share.gid, gid)) return false;
    return ["0", "1"].every((n) => dec.decode(decrypt(share, fromHex(v.get(`envelope.${n}`))).payload) === v.get(`envelope.${n}.payload`));
  });
  reopen("join request opens with the join secret", () =>
    dec.decode(openJoin(KIND.joinRequest, fromHex(v.get("invite.join_secret")), gid, fromHex(v.get("join.request")))) === v.get("join.request.payload"));
  reopen("join reply opens with the reply secret", () =>
    dec.decode(openJoin(KIND.joinReply, fromHex(v.get("join.reply_secret")), gid, fromHex(v.get("join.reply")))) === v.get("join.reply.payload"));
  for (const failure of failures) console.log(`FAIL ${failure}`);
  console.log(`${passed} passed, ${failures.length} failed`);
  return failures.length === 0;
}

// ----- a message recorded from a real relay -------------------------------------------------
function parseStoredPrekeys(stored) {
  if (stored[0] !== VERSION || stored[1] !== KIND.prekeys) throw new Error("not v2 stored prekeys");
  const count = stored[50];
  const secrets = new Map();
  for (let i = 0, at = 51; i < count; i++, at += 48) secrets.set(readU32(stored, at), stored.slice(at + 16, at + 48));
  return { gid: stored.slice(2, 18), owner: stored.slice(18, 50), secrets };
}

function decryptRecording(path) {
  const recording = JSON.parse(readFileSync(path, "utf-8"));
  const gid = fromB64u(recording.group_id);
  const me = fromB64u(recording.recipient);
  const { secrets } = parseStoredPrekeys(fromB64u(recording.stored_prekeys));
  const directContext = cat(text("peertui-direct-v2|"), gid);
  const shares = [];
  for (const delivery of recording.directs) {
    let opened;
    try { opened = openSealed(me, secrets, fromB64u(delivery), directContext); } catch { continue; }
    const body = JSON.parse(dec.decode(opened.payload));
    if (body.t !== "share") continue;
    const share = parseShare(fromB64u(body.blob)); // §6.4: sealed once, as this direct payload
    if (equal(share.sender, opened.sender) && equal(share.gid, gid)) shares.push(share);
  }
  let decrypted = 0;
  for (const text of recording.envelopes) {
    const envelope = fromB64u(text);
    const share = shares.find((s) => equal(s.id, envelope.slice(6, 22)) && equal(s.sender, envelope.slice(26, 58)));
    if (!share || readU32(envelope, 22) < share.index) continue; // another session, or before this share
    const result = decrypt(share, envelope);
    const payload = JSON.parse(dec.decode(result.payload));
    console.log(JSON.stringify({ sender: b64u(share.sender), sent_ms: result.sentMs, counter: result.counter, envelope_id: result.id, payload }));
    decrypted += 1;
  }
  if (decrypted === 0) console.log(`FAIL none of ${recording.envelopes.length} envelopes opens with the ${shares.length} shares found`);
  return decrypted > 0;
}

// ----- a request session against a real relay (§11.1) ---------------------------------------
const macBytes = (origin, method, pathQuery, tsMs, nonce, body) =>
  text(["peertui-session-request-v2", origin, method, pathQuery, String(tsMs), nonce, hex(sha256(body))].join("\n"));

function originOf(url) {
  const parsed = new URL(url);
  const fallback = { "http:": "80", "https:": "443" }[parsed.protocol];
  const host = parsed.hostname.toLowerCase();
  return parsed.port && parsed.port !== fallback ? `${host}:${parsed.port}` : host;
}

async function send(url, method, pathQuery, body, headers) {
  const response = await fetch(url + pathQuery, { method, body: body.length ? body : undefined, headers: { "Content-Type": "application/json", ...headers } });
  return { status: response.status, answer: await response.json() };
}

// Open a session with one signed request, post `envelope` MAC'd within it, read the log back
// MAC'd, and show that a MAC with one flipped bit is refused. Prints one JSON line per step.
async function sessionAgainstRelay(url, seedHex, groupId, envelope) {
  const me = identity(fromHex(seedHex));
  const origin = originOf(url);
  const nonce = () => b64u(sodium.randombytes_buf(16));
  const signed = (method, pathQuery, body) => {
    const ts = Date.now(), n = nonce();
    return { "X-Peertui-Key": b64u(me.publicKey), "X-Peertui-Time": String(ts), "X-Peertui-Nonce": n, "X-Peertui-Signature": b64u(sign(me, signingBytes(origin, method, pathQuery, ts, n, body))) };
  };
  const kx = sodium.crypto_kx_keypair();
  const openPath = `/v1/groups/${groupId}/sessions`;
  const openBody = text(JSON.stringify({ client_key: b64u(kx.publicKey) }));
  const opened = await send(url, "POST", openPath, openBody, signed("POST", openPath, openBody));
  console.log(JSON.stringify({ step: "handshake", status: opened.status }));
  if (opened.status !== 201) return false;
  const sid = fromB64u(opened.answer.session_id);
  const { sharedTx } = sodium.crypto_kx_client_session_keys(kx.publicKey, kx.privateKey, fromB64u(opened.answer.relay_key));
  const key = blake2b(32, cat(sid, fromB64u(groupId), me.publicKey), { key: sharedTx, person: "peertui-session" });
  const maced = (method, pathQuery, body, flip = false) => {
    const ts = Date.now(), n = nonce();
    const mac = blake2b(32, macBytes(origin, method, pathQuery, ts, n, body), { key });
    if (flip) mac[0] ^= 1;
    return { "X-Peertui-Key": b64u(me.publicKey), "X-Peertui-Session": b64u(sid), "X-Peertui-Time": String(ts), "X-Peertui-Nonce": n, "X-Peertui-Mac": b64u(mac) };
  };
  const postPath = `/v1/groups/${groupId}/messages`;
  const postBody = text(JSON.stringify({ envelope, idempotency_key: "conformance-post-1" }));
  const posted = await send(url, "POST", postPath, postBody, maced("POST", postPath, postBody));
  console.log(JSON.stringify({ step: "post", status: posted.status, seq: posted.answer.seq }));
  const logPath = `/v1/groups/${groupId}/log?since=${posted.answer.seq - 1}&limit=1`;
  const log = await send(url, "GET", logPath, new Uint8Array(0), maced("GET", logPath, new Uint8Array(0)));
  const event = (log.answer.events ?? [])[0] ?? {};
  console.log(JSON.stringify({ step: "log", status: log.status, seq: event.seq, sender: event.sender, envelope: event.body?.envelope }));
  const forged = await send(url, "POST", postPath, postBody, maced("POST", postPath, postBody, true));
  console.log(JSON.stringify({ step: "forged", status: forged.status, code: forged.answer.error?.code }));
  return posted.status === 201 && log.status === 200 && forged.status === 401;
}

const [mode, ...args] = process.argv.slice(2);
const ok =
  mode === "vectors" ? checkVectors(args[0])
  : mode === "decrypt" ? decryptRecording(args[0])
  : mode === "session" ? await sessionAgainstRelay(...args)
  : (console.log("usage: conformance.mjs vectors PROTOCOL.md | decrypt recording.json | session RELAY_URL SEED_HEX GROUP_ID ENVELOPE_B64U"), false);
process.exit(ok ? 0 : 1);
