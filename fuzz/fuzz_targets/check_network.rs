//! The property every network fuzz input must keep: shared by the fuzz target
//! and the test that replays its seed corpus.
//!
//! The input is one UDP payload. It is opened at every security level (with
//! a known user, so signatures and decryption are really checked), then
//! decoded. Nothing may panic; no record may follow a fatal error; and every
//! value list decoded, encoded again on its own, decodes to the same names,
//! times and values.

use collie_core::network::security::{self, AuthText};
use collie_core::network::{
    DEFAULT_PACKET_SIZE, EncodeError, Encoder, Record, Records, SecurityLevel, ValueList,
};
use collie_core::value::Value;

const USERS: AuthText<'static> = AuthText(b"alice: s3cret\n");

/// Open, decode and re-encode `data`, checking each step.
pub fn check(data: &[u8]) {
    for level in [
        SecurityLevel::None,
        SecurityLevel::Sign,
        SecurityLevel::Encrypt,
    ] {
        let mut packet = data.to_vec();
        if let Ok(opened) = security::open(&mut packet, level, Some(&USERS)) {
            decode(opened.parts);
        }
    }
    decode(data);
}

fn decode(parts: &[u8]) {
    let mut fatal = false;
    for record in Records::new(parts) {
        assert!(!fatal, "a record followed a fatal error");
        match record {
            Ok(Record::Values(vl)) => round_trip(&vl),
            Ok(Record::Notification(_)) => {}
            Err(e) => fatal = e.is_fatal(),
        }
    }
}

/// Encode one decoded value list into an empty packet and decode it again.
fn round_trip(vl: &ValueList<'_, collie_core::network::WireValues<'_>>) {
    let values: Vec<Value> = vl.values.iter().collect();
    assert_eq!(values.len(), vl.values.len());
    let mut buf = vec![0u8; DEFAULT_PACKET_SIZE];
    let mut encoder = Encoder::new(&mut buf);
    let again = ValueList {
        id: vl.id,
        time: vl.time,
        interval: vl.interval,
        values: &values[..],
    };
    match encoder.push_values(&again) {
        Ok(()) => {}
        // Too many values for one packet, or none: nothing to compare.
        Err(EncodeError::TooBig { .. } | EncodeError::ValueCount { .. }) => return,
        Err(e) => panic!("a decoded value list could not be encoded: {e}"),
    }
    let mut decoded = Records::new(encoder.packet());
    let Some(Ok(Record::Values(back))) = decoded.next() else {
        panic!("an encoded value list did not decode");
    };
    assert!(decoded.next().is_none());
    assert_eq!(back.id, vl.id);
    assert_eq!((back.time, back.interval), (vl.time, vl.interval));
    let bits = |v: Value| match v {
        Value::Gauge(g) => (1, g.to_bits()),
        Value::Derive(d) => (2, d as u64),
        Value::Counter(c) => (0, c),
        Value::Absolute(a) => (3, a),
    };
    assert!(
        back.values
            .iter()
            .map(bits)
            .eq(values.into_iter().map(bits))
    );
}
