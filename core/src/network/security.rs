//! Signed and encrypted packets, as the network plugin's `SecurityLevel` makes them.
//!
//! - A **signed** packet starts with a SIGNATURE part: an HMAC-SHA-256,
//!   keyed with the user's password, over the username and every byte after
//!   the part, then the username.
//! - An **encrypted** packet is one ENCRYPTION part: the username's length
//!   and the username, a 16-byte IV, then AES-256 in OFB mode, keyed with
//!   the SHA-256 of the password, over a SHA-1 of the plain parts followed
//!   by those parts.
//!
//! [`open`] checks (and decrypts in place) what a listener received;
//! [`seal`] signs or encrypts, in place, a packet an [`Encoder`](super::Encoder)
//! left room at the front for ([`reserve`]).

use aes::Aes256;
use hmac::{Hmac, KeyInit, Mac};
use ofb::cipher::{KeyIvInit, StreamCipher};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use thiserror::Error;

use super::SecurityLevel;
use super::part::{self, HEADER, PartType};

type Aes256Ofb = ofb::Ofb<Aes256>;

const MAC_LEN: usize = 32;
const IV_LEN: usize = 16;
const CHECKSUM_LEN: usize = 20;

/// Where a listener finds the password of a user.
pub trait Passwords {
    /// Return `user`'s password, if the user is known.
    fn password(&self, user: &[u8]) -> Option<&[u8]>;
}

/// An auth file's text, searched line by line (see [`auth_file`](super::auth_file)).
#[derive(Debug, Clone, Copy)]
pub struct AuthText<'a>(pub &'a [u8]);

impl Passwords for AuthText<'_> {
    fn password(&self, user: &[u8]) -> Option<&[u8]> {
        super::auth_file::password(self.0, user)
    }
}

/// Why a received packet was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum SecurityError {
    /// The listener takes signed or encrypted packets only.
    #[error("unsigned packet ignored: the listener's security level is sign")]
    Unsigned,
    /// The listener takes encrypted packets only.
    #[error("unencrypted packet ignored: the listener's security level is encrypt")]
    Unencrypted,
    /// The packet is encrypted and the listener has no auth file to find the key in.
    #[error("encrypted packet ignored: the listener has no auth file")]
    NoAuthFile,
    /// The packet names a user the auth file does not hold.
    #[error("unknown user")]
    UnknownUser,
    /// The signature does not match (a wrong password, or a changed packet).
    #[error("signature mismatch")]
    Signature,
    /// The decrypted checksum does not match (a wrong password, or a changed packet).
    #[error("checksum mismatch after decryption")]
    Checksum,
    /// The security part is malformed.
    #[error("malformed security part")]
    Malformed,
}

impl SecurityError {
    /// Return a short name for this kind of failure, to count it by.
    pub const fn label(&self) -> &'static str {
        match self {
            SecurityError::Unsigned => "unsigned",
            SecurityError::Unencrypted => "unencrypted",
            SecurityError::NoAuthFile => "no_auth_file",
            SecurityError::UnknownUser => "unknown_user",
            SecurityError::Signature => "signature",
            SecurityError::Checksum => "checksum",
            SecurityError::Malformed => "malformed",
        }
    }
}

/// A received packet that passed its listener's checks.
#[derive(Debug, PartialEq, Eq)]
pub struct Opened<'p> {
    /// The plain parts, to decode with [`Records`](super::Records).
    pub parts: &'p [u8],
    /// The user who signed or encrypted it; `None` for a plain packet, or a signature nobody could check.
    pub user: Option<&'p [u8]>,
}

/// Check a received packet against `level`, decrypting it in place; return its plain parts.
///
/// `passwords` is `None` when the listener has no auth file: then signed
/// packets are taken unchecked at level none, as collectd takes them, and
/// encrypted ones are dropped.
pub fn open<'p>(
    packet: &'p mut [u8],
    level: SecurityLevel,
    passwords: Option<&dyn Passwords>,
) -> Result<Opened<'p>, SecurityError> {
    let code = match part::split(packet) {
        Ok((code, _, _)) => code,
        Err(_) => u16::MAX,
    };
    match PartType::from_code(code) {
        Some(PartType::Encryption) => decrypt(packet, passwords.ok_or(SecurityError::NoAuthFile)?),
        Some(PartType::Signature) if level == SecurityLevel::Encrypt => {
            Err(SecurityError::Unencrypted)
        }
        Some(PartType::Signature) => verify(packet, passwords),
        _ => match level {
            SecurityLevel::None => Ok(Opened {
                parts: packet,
                user: None,
            }),
            SecurityLevel::Sign => Err(SecurityError::Unsigned),
            SecurityLevel::Encrypt => Err(SecurityError::Unencrypted),
        },
    }
}

/// Check a signed packet's HMAC; return the parts after the signature.
fn verify<'p>(
    packet: &'p [u8],
    passwords: Option<&dyn Passwords>,
) -> Result<Opened<'p>, SecurityError> {
    let (_, payload, rest) = part::split(packet).map_err(|_| SecurityError::Malformed)?;
    if payload.len() < MAC_LEN {
        return Err(SecurityError::Malformed);
    }
    let (mac, user) = payload.split_at(MAC_LEN);
    let Some(passwords) = passwords else {
        return Ok(Opened {
            parts: rest,
            user: None,
        });
    };
    let password = passwords.password(user).ok_or(SecurityError::UnknownUser)?;
    let mut check = hmac(password)?;
    check.update(user);
    check.update(rest);
    check
        .verify_slice(mac)
        .map_err(|_| SecurityError::Signature)?;
    Ok(Opened {
        parts: rest,
        user: Some(user),
    })
}

/// Decrypt an encrypted packet in place and check its SHA-1; return the plain parts.
fn decrypt<'p>(
    packet: &'p mut [u8],
    passwords: &dyn Passwords,
) -> Result<Opened<'p>, SecurityError> {
    let len = match part::split(packet) {
        Ok((_, payload, _)) => payload.len() + HEADER,
        Err(_) => return Err(SecurityError::Malformed),
    };
    let body = &mut packet[HEADER..len];
    let [u0, u1, body @ ..] = body else {
        return Err(SecurityError::Malformed);
    };
    let user_len = usize::from(u16::from_be_bytes([*u0, *u1]));
    if body.len() < user_len + IV_LEN + CHECKSUM_LEN {
        return Err(SecurityError::Malformed);
    }
    let (user, body) = body.split_at_mut(user_len);
    let (iv, sealed) = body.split_at_mut(IV_LEN);
    let password = passwords.password(user).ok_or(SecurityError::UnknownUser)?;
    let key = Sha256::digest(password);
    let mut cipher = Aes256Ofb::new_from_slices(&key, iv).map_err(|_| SecurityError::Malformed)?;
    cipher.apply_keystream(sealed);
    let (sum, parts) = sealed.split_at(CHECKSUM_LEN);
    if Sha1::digest(parts).as_slice() != sum {
        return Err(SecurityError::Checksum);
    }
    Ok(Opened {
        parts,
        user: Some(user),
    })
}

/// Return the bytes a packet must keep free at its front for `level`'s part, with `user`'s name.
pub const fn reserve(level: SecurityLevel, user: &[u8]) -> usize {
    match level {
        SecurityLevel::None => 0,
        SecurityLevel::Sign => HEADER + MAC_LEN + user.len(),
        SecurityLevel::Encrypt => HEADER + 2 + user.len() + IV_LEN + CHECKSUM_LEN,
    }
}

/// Why a packet could not be sealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum SealError {
    /// The packet has fewer bytes at its front than [`reserve`] asks for.
    #[error("the packet has no room for its security part")]
    NoRoom,
    /// The username or the packet is too long for the part's length fields.
    #[error("the username or the packet is too long")]
    TooLong,
}

/// Sign or encrypt `packet` in place for `level`; its first [`reserve`] bytes are the room left for that.
///
/// `iv` must be fresh random bytes for every encrypted packet.
pub fn seal(
    packet: &mut [u8],
    level: SecurityLevel,
    user: &[u8],
    password: &[u8],
    iv: [u8; IV_LEN],
) -> Result<(), SealError> {
    let room = reserve(level, user);
    if packet.len() < room {
        return Err(SealError::NoRoom);
    }
    if packet.len() > usize::from(u16::MAX) || user.len() > usize::from(u16::MAX) {
        return Err(SealError::TooLong);
    }
    match level {
        SecurityLevel::None => {}
        SecurityLevel::Sign => {
            let (head, rest) = packet.split_at_mut(room);
            let mut mac = hmac(password).map_err(|_| SealError::TooLong)?;
            mac.update(user);
            mac.update(rest);
            let sum = mac.finalize().into_bytes();
            head[..HEADER].copy_from_slice(&part::header(
                PartType::Signature.code(),
                MAC_LEN + user.len(),
            ));
            head[HEADER..HEADER + MAC_LEN].copy_from_slice(&sum);
            head[HEADER + MAC_LEN..].copy_from_slice(user);
        }
        SecurityLevel::Encrypt => {
            let total = packet.len();
            let (head, parts) = packet.split_at_mut(room);
            let sum = Sha1::digest(&*parts);
            let header = part::header(PartType::Encryption.code(), total - HEADER);
            let (fixed, sealed_sum) = head.split_at_mut(room - CHECKSUM_LEN);
            fixed[..HEADER].copy_from_slice(&header);
            // Within u16::MAX, checked above.
            fixed[HEADER..HEADER + 2].copy_from_slice(&(user.len() as u16).to_be_bytes());
            fixed[HEADER + 2..HEADER + 2 + user.len()].copy_from_slice(user);
            fixed[HEADER + 2 + user.len()..].copy_from_slice(&iv);
            sealed_sum.copy_from_slice(&sum);
            let key = Sha256::digest(password);
            let mut cipher =
                Aes256Ofb::new_from_slices(&key, &iv).map_err(|_| SealError::TooLong)?;
            cipher.apply_keystream(sealed_sum);
            cipher.apply_keystream(parts);
        }
    }
    Ok(())
}

/// An HMAC-SHA-256 keyed with `password`.
fn hmac(password: &[u8]) -> Result<Hmac<Sha256>, SecurityError> {
    <Hmac<Sha256> as KeyInit>::new_from_slice(password).map_err(|_| SecurityError::Malformed)
}
