//! The business rules of the history hub, in one place: classification from NinjaOne's node
//! class and ThreatLocker's operating system, spare and billable, and the normalisation of
//! host names, serial numbers and site names used to match records across systems.

use crate::model::history::Classification;

/// NinjaOne's `nodeClass` → classification. Unknown classes are `other` (the enum grows).
pub fn classify_ninja(node_class: &str) -> Classification {
    use Classification::*;
    match node_class {
        "WINDOWS_SERVER" | "LINUX_SERVER" | "MAC_SERVER" => Server,
        "WINDOWS_WORKSTATION" | "MAC" | "LINUX_WORKSTATION" => Workstation,
        "VMWARE_VM_GUEST" | "HYPERV_VMM_GUEST" | "NMS_VIRTUAL_MACHINE" => VirtualMachine,
        "VMWARE_VM_HOST" | "HYPERV_VMM_HOST" | "NMS_VM_HOST" => Hypervisor,
        "ANDROID" | "APPLE_IOS" | "APPLE_IPADOS" => Mobile,
        "NMS_SWITCH"
        | "NMS_ROUTER"
        | "NMS_FIREWALL"
        | "NMS_PRIVATE_NETWORK_GATEWAY"
        | "NMS_WAP"
        | "NMS_IPSLA"
        | "NMS_DIAL_MANAGER"
        | "NMS_NETWORK_MANAGEMENT_AGENT" => Network,
        _ => Other,
    }
}

/// ThreatLocker's `osType` code as a name (1 Windows, 2 Mac, 3 Linux, 5 Windows XP).
pub fn threatlocker_os_type(code: Option<i64>) -> Option<String> {
    code.map(|c| {
        match c {
            1 => "WINDOWS",
            2 => "MAC",
            3 => "LINUX",
            5 => "WINDOWS_XP",
            _ => return format!("OS_TYPE_{c}"),
        }
        .to_string()
    })
}

/// ThreatLocker runs on computers only: a Windows Server or Linux server operating system is a
/// server, everything else a workstation. Linux counts as a server unless its name says desktop
/// or workstation (ThreatLocker's Linux agent is a server agent).
pub fn classify_threatlocker(os_name: &str, os_type: Option<i64>) -> Classification {
    let os = os_name.to_lowercase();
    if os.contains("server") {
        return Classification::Server;
    }
    const LINUX: [&str; 12] = [
        "linux", "ubuntu", "debian", "red hat", "rhel", "centos", "rocky", "alma", "suse",
        "oracle", "amazon", "fedora",
    ];
    let linux = os_type == Some(3) || LINUX.iter().any(|l| os.contains(l));
    if linux && !(os.contains("desktop") || os.contains("workstation")) {
        return Classification::Server;
    }
    if os.is_empty() && os_type.is_none() {
        return Classification::Other;
    }
    Classification::Workstation
}

/// Spare devices: display name or location contains "spare" (or an extra pattern an admin
/// added), or NinjaOne reports a VMware guest. Billable means not spare.
#[derive(Clone, Debug, Default)]
pub struct SpareRules {
    /// Lower-case substrings besides "spare".
    extra: Vec<String>,
}

impl SpareRules {
    pub fn new(extra: &[String]) -> SpareRules {
        SpareRules {
            extra: extra
                .iter()
                .map(|p| p.trim().to_lowercase())
                .filter(|p| !p.is_empty())
                .collect(),
        }
    }

    fn matches(&self, text: Option<&str>) -> bool {
        let Some(t) = text else { return false };
        let t = t.to_lowercase();
        t.contains("spare") || self.extra.iter().any(|p| t.contains(p.as_str()))
    }

    pub fn is_spare(
        &self,
        display_name: Option<&str>,
        location: Option<&str>,
        node_class: Option<&str>,
    ) -> bool {
        node_class == Some("VMWARE_VM_GUEST")
            || self.matches(display_name)
            || self.matches(location)
    }
}

/// A host name for matching: lower case, without the DNS domain, trimmed. None when empty.
pub fn normalize_hostname(name: &str) -> Option<String> {
    let n = name.trim().to_lowercase();
    let n = n.split('.').next().unwrap_or("").trim().to_string();
    (!n.is_empty()).then_some(n)
}

/// A serial number for matching: upper case without spaces; None for the placeholders vendors
/// ship instead of a serial.
pub fn normalize_serial(serial: &str) -> Option<String> {
    let s: String = serial
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    const JUNK: [&str; 12] = [
        "",
        "0",
        "NONE",
        "N/A",
        "NA",
        "UNKNOWN",
        "DEFAULTSTRING",
        "TOBEFILLEDBYO.E.M.",
        "SYSTEMSERIALNUMBER",
        "0123456789",
        "123456789",
        "NOTAPPLICABLE",
    ];
    if JUNK.contains(&s.as_str()) || s.chars().all(|c| c == '0') {
        return None;
    }
    Some(s)
}

/// A site or organisation name for automatic mapping: lower case, punctuation dropped, spaces
/// collapsed, and a trailing company-form suffix ("Inc", "Ltd", "LLC", …) removed.
pub fn normalize_site_name(name: &str) -> String {
    let cleaned: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let mut words: Vec<&str> = cleaned.split_whitespace().collect();
    const SUFFIXES: [&str; 16] = [
        "inc",
        "incorporated",
        "ltd",
        "limited",
        "llc",
        "llp",
        "plc",
        "corp",
        "corporation",
        "co",
        "company",
        "gmbh",
        "ag",
        "bv",
        "pty",
        "sa",
    ];
    while words.len() > 1 && words.last().is_some_and(|w| SUFFIXES.contains(w)) {
        words.pop();
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use Classification::*;

    #[test]
    fn ninja_classes() {
        assert_eq!(classify_ninja("WINDOWS_SERVER"), Server);
        assert_eq!(classify_ninja("LINUX_SERVER"), Server);
        assert_eq!(classify_ninja("MAC"), Workstation);
        assert_eq!(classify_ninja("VMWARE_VM_GUEST"), VirtualMachine);
        assert_eq!(classify_ninja("HYPERV_VMM_HOST"), Hypervisor);
        assert_eq!(classify_ninja("NMS_SWITCH"), Network);
        assert_eq!(classify_ninja("APPLE_IPADOS"), Mobile);
        assert_eq!(classify_ninja("NMS_STORAGE"), Other);
        assert_eq!(classify_ninja("SOMETHING_NEW"), Other);
    }

    #[test]
    fn threatlocker_os() {
        assert_eq!(
            classify_threatlocker("Windows Server 2022 Standard", Some(1)),
            Server
        );
        assert_eq!(
            classify_threatlocker("Windows 11 Pro", Some(1)),
            Workstation
        );
        assert_eq!(classify_threatlocker("Ubuntu 22.04.4 LTS", Some(3)), Server);
        assert_eq!(
            classify_threatlocker("Ubuntu 22.04 Desktop", Some(3)),
            Workstation
        );
        assert_eq!(classify_threatlocker("macOS 14.5", Some(2)), Workstation);
        assert_eq!(classify_threatlocker("", None), Other);
        assert_eq!(threatlocker_os_type(Some(3)).as_deref(), Some("LINUX"));
    }

    #[test]
    fn spare_rules_as_in_the_seed() {
        let r = SpareRules::default();
        assert!(r.is_spare(Some("SPARE-laptop-3"), None, Some("WINDOWS_WORKSTATION")));
        assert!(r.is_spare(Some("pc1"), Some("Spare Stock"), None));
        assert!(r.is_spare(Some("app-vm"), Some("HQ"), Some("VMWARE_VM_GUEST")));
        assert!(!r.is_spare(Some("pc1"), Some("HQ"), Some("HYPERV_VMM_GUEST")));
        assert!(!r.is_spare(None, None, None));
        let r = SpareRules::new(&["  Loaner ".into(), "".into()]);
        assert!(r.is_spare(Some("LOANER-01"), None, None));
    }

    #[test]
    fn normalisation() {
        assert_eq!(
            normalize_hostname(" FS01.corp.example ").as_deref(),
            Some("fs01")
        );
        assert_eq!(normalize_hostname(".."), None);
        assert_eq!(normalize_serial(" 5xk2 lm3").as_deref(), Some("5XK2LM3"));
        assert_eq!(normalize_serial("To Be Filled By O.E.M."), None);
        assert_eq!(normalize_serial("0000000"), None);
        assert_eq!(normalize_site_name("Fabrikam, Ltd."), "fabrikam");
        assert_eq!(
            normalize_site_name("  Contoso   Dental Inc"),
            "contoso dental"
        );
        assert_eq!(normalize_site_name("Co"), "co");
    }
}
