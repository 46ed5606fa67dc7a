//! `collied install-plugin`: collied as Netdata's `collie.plugin`.
//!
//! Netdata runs every executable `*.plugin` in its plugins directory, as
//! its own user (`netdata`), and passes its configuration directory in
//! `NETDATA_USER_CONFIG_DIR`. Where those directories are depends on how
//! Netdata was installed: Debian's and Ubuntu's packages use
//! `/usr/lib/netdata/plugins.d`, Netdata's own installer
//! `/usr/libexec/netdata/plugins.d` (or `/opt/netdata/…` for its static
//! build). They are found, in order, from `netdata.conf`'s
//! `[directories]`, from the configure options `netdata -W buildinfo`
//! prints, and from the places that exist.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The configuration written when Netdata's directory has none: the example, with the socket where Netdata's user may create it.
const EXAMPLE: &str = include_str!("../../../examples/collie.yaml");

/// The example's socket line, relative to the working directory.
const EXAMPLE_SOCKET: &str = "socket: collied.sock\n";

/// Where the plugin's socket goes: the runtime directory systemd gives Netdata's user.
pub const PLUGIN_SOCKET: &str = "/run/netdata/collied.sock";

/// The plugin's file name in the plugins directory.
pub const PLUGIN_FILE: &str = "collie.plugin";

/// Netdata's directories, and how they were found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetdataDirs {
    /// Where Netdata looks for `*.plugin` executables.
    pub plugins: PathBuf,
    /// Netdata's user configuration directory, where `collie.yaml` goes.
    pub config: PathBuf,
    /// Where the plugins directory was learnt from.
    pub found_in: String,
}

/// Return the plugins and configuration directories: the ones given, else found as the module says.
pub fn find_dirs(plugins: Option<PathBuf>, config: Option<PathBuf>) -> Result<NetdataDirs, String> {
    let found = if plugins.is_some() && config.is_some() {
        None
    } else {
        discover()
    };
    let (found_plugins, found_config, found_in) = match found {
        Some((p, c, how)) => (Some(p), Some(c), how),
        None => (None, None, "the command line".to_owned()),
    };
    let Some(plugins) = plugins.or(found_plugins) else {
        return Err(
            "cannot find Netdata's plugins directory (is Netdata installed?); \
                    give it with --plugins-dir"
                .to_owned(),
        );
    };
    let config = config
        .or(found_config)
        .unwrap_or_else(|| PathBuf::from("/etc/netdata"));
    Ok(NetdataDirs {
        plugins,
        config,
        found_in,
    })
}

/// Find the directories of the Netdata installed here, if any.
fn discover() -> Option<(PathBuf, PathBuf, String)> {
    for conf in [
        "/etc/netdata/netdata.conf",
        "/opt/netdata/etc/netdata/netdata.conf",
    ] {
        if let Ok(text) = fs::read_to_string(conf)
            && let Some(plugins) = conf_directory(&text, "plugins")
        {
            let config = conf_directory(&text, "config")
                .unwrap_or_else(|| Path::new(conf).parent().unwrap_or(Path::new("/")).into());
            return Some((plugins, config, conf.to_owned()));
        }
    }
    for netdata in ["netdata", "/usr/sbin/netdata", "/opt/netdata/bin/netdata"] {
        let Ok(out) = Command::new(netdata).args(["-W", "buildinfo"]).output() else {
            continue;
        };
        let text = String::from_utf8_lossy(&out.stdout);
        if let Some(libexec) = configure_option(&text, "libexecdir") {
            let sysconf = configure_option(&text, "sysconfdir").unwrap_or_else(|| "/etc".into());
            return Some((
                Path::new(&libexec).join("netdata/plugins.d"),
                Path::new(&sysconf).join("netdata"),
                format!("`{netdata} -W buildinfo`"),
            ));
        }
    }
    [
        ("/usr/libexec/netdata/plugins.d", "/etc/netdata"),
        ("/usr/lib/netdata/plugins.d", "/etc/netdata"),
        (
            "/opt/netdata/usr/libexec/netdata/plugins.d",
            "/opt/netdata/etc/netdata",
        ),
    ]
    .into_iter()
    .find(|(p, _)| Path::new(p).is_dir())
    .map(|(p, c)| (p.into(), c.into(), format!("{p} existing")))
}

/// Return the first directory of `key` in netdata.conf's `[directories]` section, if set.
fn conf_directory(text: &str, key: &str) -> Option<PathBuf> {
    let mut section = "";
    for line in text.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim();
        } else if section == "directories"
            && let Some((k, v)) = line.split_once('=')
            && k.trim() == key
        {
            let v = v.trim();
            // `plugins` may list several, each in double quotes.
            let first = match v.strip_prefix('"') {
                Some(rest) => rest.split('"').next().unwrap_or(""),
                None => v.split_whitespace().next().unwrap_or(""),
            };
            return (!first.is_empty()).then(|| first.into());
        }
    }
    None
}

/// Return the value of `--<name>=…` among the configure options `netdata -W buildinfo` prints.
fn configure_option(text: &str, name: &str) -> Option<String> {
    let flag = format!("--{name}=");
    text.split_whitespace()
        .map(|w| w.trim_matches('\''))
        .filter_map(|w| w.strip_prefix(&flag))
        .find(|v| !v.is_empty() && !v.contains('$'))
        .map(str::to_owned)
}

/// Return the example configuration with the socket where Netdata's user can create it.
pub fn plugin_config() -> String {
    assert!(
        EXAMPLE.contains(EXAMPLE_SOCKET),
        "the example's socket line moved"
    );
    EXAMPLE.replacen(EXAMPLE_SOCKET, &format!("socket: {PLUGIN_SOCKET}\n"), 1)
}

/// Link `exe` as `collie.plugin` into `dirs.plugins` and write `collie.yaml` unless one exists; return what was done.
pub fn install(exe: &Path, dirs: &NetdataDirs, dry_run: bool) -> io::Result<String> {
    let mut said = String::new();
    let _ = writeln!(
        said,
        "Netdata's plugins directory: {} (from {})",
        dirs.plugins.display(),
        dirs.found_in
    );
    if !dirs.plugins.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("{} is not a directory", dirs.plugins.display()),
        ));
    }
    let would = if dry_run { "would " } else { "" };
    let link = dirs.plugins.join(PLUGIN_FILE);
    match fs::symlink_metadata(&link) {
        Ok(m) if m.file_type().is_symlink() => {
            let old = fs::read_link(&link)?;
            if old == exe {
                let _ = writeln!(
                    said,
                    "{} already links to {}",
                    link.display(),
                    exe.display()
                );
            } else {
                if !dry_run {
                    fs::remove_file(&link)?;
                    std::os::unix::fs::symlink(exe, &link)?;
                }
                let _ = writeln!(
                    said,
                    "{would}relink {} to {} (it linked to {})",
                    link.display(),
                    exe.display(),
                    old.display()
                );
            }
        }
        Ok(_) => {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "{} exists and is not a link; remove it first",
                    link.display()
                ),
            ));
        }
        Err(_) => {
            if !dry_run {
                std::os::unix::fs::symlink(exe, &link)?;
            }
            let _ = writeln!(said, "{would}link {} to {}", link.display(), exe.display());
        }
    }
    let config = dirs.config.join(crate::config::MAIN_FILE);
    if config.exists() {
        let _ = writeln!(said, "{} exists: kept as it is", config.display());
    } else {
        if !dry_run {
            fs::create_dir_all(&dirs.config)?;
            fs::write(&config, plugin_config())?;
        }
        let _ = writeln!(
            said,
            "{would}write {} (the example configuration, socket at {PLUGIN_SOCKET})",
            config.display()
        );
    }
    let _ = writeln!(
        said,
        "Netdata runs plugins as its own user (netdata): the socket is created by that user, \
         mode 0660, so a client must be that user or in its group (or set socket_group).\n\
         Restart Netdata to start the plugin: systemctl restart netdata"
    );
    Ok(said)
}

/// Run `collied install-plugin`: print what was done; exit 1 on failure.
pub fn run(plugins: Option<PathBuf>, config: Option<PathBuf>, dry_run: bool) -> ExitCode {
    let result = find_dirs(plugins, config).and_then(|dirs| {
        let exe = std::env::current_exe()
            .and_then(fs::canonicalize)
            .map_err(|e| format!("cannot tell where collied is: {e}"))?;
        install(&exe, &dirs, dry_run).map_err(|e| e.to_string())
    });
    match result {
        Ok(said) => {
            print!("{said}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("collied: install-plugin: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_netdata_conf_and_buildinfo() {
        let conf = "[global]\n  run as user = netdata\n[directories]\n  \
                    # plugins = \"/nope\"\n  config = /etc/nd\n  \
                    plugins = \"/usr/lib/netdata/plugins.d\" \"/etc/netdata/custom-plugins.d\"\n";
        assert_eq!(
            conf_directory(conf, "plugins"),
            Some("/usr/lib/netdata/plugins.d".into())
        );
        assert_eq!(conf_directory(conf, "config"), Some("/etc/nd".into()));
        assert_eq!(conf_directory("[global]\nplugins = /x\n", "plugins"), None);
        let info = "Configure options:  '--build=x86_64-linux-gnu' '--prefix=/usr' \
                    '--sysconfdir=/etc' '--libexecdir=${prefix}/lib' '--libexecdir=/usr/lib'";
        assert_eq!(
            configure_option(info, "libexecdir"),
            Some("/usr/lib".into())
        );
        assert_eq!(configure_option(info, "sysconfdir"), Some("/etc".into()));
        assert_eq!(configure_option(info, "localstatedir"), None);
    }

    #[test]
    fn the_plugin_configuration_is_the_example_with_an_absolute_socket() {
        let text = plugin_config();
        assert!(text.contains("socket: /run/netdata/collied.sock\n"));
        let back = text.replacen(&format!("socket: {PLUGIN_SOCKET}\n"), EXAMPLE_SOCKET, 1);
        assert_eq!(back, EXAMPLE, "nothing else changed");
    }
}
