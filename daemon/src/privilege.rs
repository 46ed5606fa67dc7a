//! Who the programs collied starts run as: never root.
//!
//! Exec programs and the command source's commands both switch to a
//! configured user (and group) when collied runs as root, with no
//! supplementary groups; a user whose uid is 0 is refused.

use nix::unistd::{Group, User};

/// What is wrong with a program's user or group.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// No such user.
    #[error("no user {0:?}")]
    NoUser(String),
    /// No such group.
    #[error("no group {0:?}")]
    NoGroup(String),
    /// The user is root by its uid.
    #[error("user {0:?} has uid 0; collied never runs programs as root")]
    Root(String),
    /// The user or group database could not be read.
    #[error("cannot look up {0:?}: {1}")]
    Lookup(String, String),
}

/// Return the uid and gid of `user`, with `group` (else the user's own) as the group.
pub fn ids(user: &str, group: Option<&str>) -> Result<(u32, u32), IdError> {
    let found = match User::from_name(user) {
        Ok(Some(u)) => u,
        Ok(None) => return Err(IdError::NoUser(user.to_owned())),
        Err(e) => return Err(IdError::Lookup(user.to_owned(), e.to_string())),
    };
    if found.uid.is_root() {
        return Err(IdError::Root(user.to_owned()));
    }
    let gid = match group {
        None => found.gid,
        Some(g) => match Group::from_name(g) {
            Ok(Some(g)) => g.gid,
            Ok(None) => return Err(IdError::NoGroup(g.to_owned())),
            Err(e) => return Err(IdError::Lookup(g.to_owned(), e.to_string())),
        },
    };
    Ok((found.uid.as_raw(), gid.as_raw()))
}

/// Return the ids a program of `user` (and `group`) runs as: theirs when collied is root, else collied's own (`None`).
pub fn run_as(user: &str, group: Option<&str>) -> Result<Option<(u32, u32)>, IdError> {
    if nix::unistd::getuid().is_root() {
        ids(user, group).map(Some)
    } else {
        Ok(None)
    }
}
