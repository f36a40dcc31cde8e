//! The inventory's object types described once, as data: fields with their kinds of value,
//! labels, help, choices, defaults, references, uniqueness messages, search, list columns,
//! filters and navigation group. The service layer validates and queries from these
//! descriptions (through each type's SeaORM entity, `ssr::entities::inventory`, which a test
//! keeps in agreement with them), the REST API, its OpenAPI document and CSV are generated from
//! them, and the generic UI components render list, filter, form and detail pages from them.
//! Both the server and the browser use it; rules beyond what data can say live in
//! `ssr::services::rules`, one module per type.

use serde::{Deserialize, Serialize};

/// Every inventory object type Census knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Tenant,
    Region,
    SiteGroup,
    Site,
    Location,
    Rack,
    Manufacturer,
    Device,
    Provider,
    Circuit,
    Tag,
    JournalEntry,
    AssetType,
    Asset,
    Contractor,
    Contract,
    Invoice,
    AssetService,
    Rma,
    ExternalInventory,
    Probe,
}

/// A value choice of a `Choice` field: stored value and label.
pub type Choice = (&'static str, &'static str);

/// The kind of value a field holds. Every kind works the same way in validation, filters,
/// ordering, the REST API and its OpenAPI document, CSV, forms, detail pages and the change log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    /// One line of text, at most `max_len` characters, no control characters. Matched ignoring
    /// case (Unicode case folding, the same on SQLite and PostgreSQL) by uniqueness, exact
    /// filters and search.
    Text,
    /// Multi-line text.
    LongText,
    /// URL-safe identifier; derived from `name` when left empty.
    Slug,
    Int {
        min: i64,
        max: i64,
    },
    /// `true` or `false`.
    Bool,
    /// A calendar day: `YYYY-MM-DD` on the wire.
    Date,
    /// An instant, stored in UTC: RFC 3339 on the wire (`2026-11-30T14:05:00Z`); input may carry
    /// any offset, or none (UTC).
    DateTime,
    /// An exact decimal with at most `scale` digits after the point, from `min` to `max` (whole
    /// units): a string on the wire (`"50.087451"`), numbers accepted on input. Stored as a whole
    /// number of 10^-scale units, never as a float.
    Decimal {
        scale: u32,
        min: i64,
        max: i64,
    },
    /// An amount of money in the currency the field named `currency` holds (required with an
    /// amount): exact, with at most the currency's minor-unit digits (ISO 4217: EUR 2, JPY 0,
    /// KWD 3); a string on the wire. Stored in ten-thousandths.
    Money {
        currency: &'static str,
    },
    /// An ISO 4217 currency code (`EUR`), upper case.
    Currency,
    /// A JSON object.
    Json,
    /// A colour as six hex digits, `rrggbb` (lower case, no `#`; `#RRGGBB` accepted).
    Colour,
    Choice(&'static [Choice]),
    /// A reference to another object (stored as `<name>_id`).
    Ref(Kind),
    /// A reference to an object of one of several types: two columns, `<name>_type` (the type's
    /// snake_case name) and `<name>_id`, named in `columns`. Deleting the target deletes this
    /// object too when `cascade`, else the target's deletion is refused while this points at it.
    AnyRef {
        kinds: &'static [Kind],
        cascade: bool,
        columns: [&'static str; 2],
    },
    /// A set of references (`<name>` ends in `_ids`), kept in the join table `table` with the
    /// columns `<owner>_id` and `<target>_id`. A target in a set cannot be deleted.
    RefSet {
        kind: Kind,
        table: &'static str,
    },
    Ipv4,
    Ipv6,
    Mac,
    /// An IANA time zone name.
    TimeZone,
}

impl FieldType {
    /// Kinds that can be filtered by range (`<name>__gte=`, `__lte`, `__gt`, `__lt`).
    pub const fn ranged(&self) -> bool {
        matches!(
            self,
            FieldType::Int { .. }
                | FieldType::Date
                | FieldType::DateTime
                | FieldType::Decimal { .. }
                | FieldType::Money { .. }
        )
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// Column and JSON name (`site_id` for a reference, `tag_ids` for a set; the base name of
    /// an any-type reference, whose columns are `<name>_type` and `<name>_id`).
    pub name: &'static str,
    pub label: &'static str,
    pub ty: FieldType,
    pub required: bool,
    pub max_len: usize,
    /// Offered in the list page's filter bar (every field can be filtered through the API).
    pub filter: bool,
    /// Shown as a list column by default.
    pub column: bool,
    pub help: &'static str,
    /// What a new object gets when the field is left out (forms start with it too).
    pub default: Option<&'static str>,
    /// Computed on read by the type's rules; never stored or written.
    pub computed: bool,
}

impl Field {
    pub const fn is_ref(&self) -> bool {
        matches!(self.ty, FieldType::Ref(_))
    }
    pub const fn ref_kind(&self) -> Option<Kind> {
        match self.ty {
            FieldType::Ref(k) => Some(k),
            _ => None,
        }
    }
    /// The type whose objects a form or filter offers as choices: a reference's or a set's.
    pub const fn option_kind(&self) -> Option<Kind> {
        match self.ty {
            FieldType::Ref(k) | FieldType::RefSet { kind: k, .. } => Some(k),
            _ => None,
        }
    }
    /// Stored as a whole number (numbers, references, decimals in their units).
    pub const fn is_int(&self) -> bool {
        matches!(
            self.ty,
            FieldType::Int { .. }
                | FieldType::Ref(_)
                | FieldType::Decimal { .. }
                | FieldType::Money { .. }
        )
    }
    /// A field stored in the type's own table (not computed, not a set).
    pub const fn stored(&self) -> bool {
        !self.computed && !matches!(self.ty, FieldType::RefSet { .. })
    }
    /// Always holds a value once stored: required, or a slug (derived from the name).
    pub const fn not_null(&self) -> bool {
        self.required || matches!(self.ty, FieldType::Slug)
    }
    /// Single-line text: kept beside its case-folded key (`<name>_key`).
    pub const fn has_key(&self) -> bool {
        matches!(self.ty, FieldType::Text)
    }
    /// The name of the brief object the API shows beside a reference: `site` for `site_id`,
    /// `tags` for `tag_ids`, the field's own name for an any-type reference.
    pub fn base_name(&self) -> &'static str {
        match self.ty {
            FieldType::RefSet { .. } => match self.name {
                "tag_ids" => "tags",
                n => n.strip_suffix("_ids").unwrap_or(n),
            },
            _ => self.name.strip_suffix("_id").unwrap_or(self.name),
        }
    }
    pub fn choices(&self) -> &'static [Choice] {
        match self.ty {
            FieldType::Choice(c) => c,
            _ => &[],
        }
    }
    /// The digits after the point of a decimal field (money: ten-thousandths).
    pub const fn scale(&self) -> u32 {
        match self.ty {
            FieldType::Decimal { scale, .. } => scale,
            FieldType::Money { .. } => 4,
            _ => 0,
        }
    }
}

/// A set of fields whose values together must be unique. `None` values take part too (a rack
/// name is unique within its site and location, or within the site when it has no location).
#[derive(Clone, Copy, Debug)]
pub struct Unique {
    pub fields: &'static [&'static str],
    /// The field that carries the error message.
    pub field: &'static str,
    pub message: &'static str,
}

#[derive(Clone, Copy, Debug)]
pub struct Resource {
    pub kind: Kind,
    pub singular: &'static str,
    pub plural: &'static str,
    /// URL segment for pages and the REST API (`site-groups`).
    pub slug: &'static str,
    pub table: &'static str,
    /// The field that names an object in lists, links and messages.
    pub title: &'static str,
    pub fields: &'static [Field],
    /// Fields searched by substring with `q`.
    pub search: &'static [&'static str],
    /// Fields searched by exact (indexed) value with `q`.
    pub search_exact: &'static [&'static str],
    /// The field lists are ordered by when no order is asked for; `-` before it: descending.
    pub default_order: &'static str,
    pub uniques: &'static [Unique],
    /// Whether objects nest under a `parent_id` of the same kind.
    pub tree: bool,
    /// The navigation group the type is listed under.
    pub nav: &'static str,
    /// Extra sections of the detail page.
    pub panels: &'static [Panel],
}

/// A section of a detail page beyond the fields and related objects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    /// When each history source (NinjaOne, ThreatLocker, …) last reported the device.
    SeenBySources,
}

/// The navigation groups, in order.
pub const NAV_GROUPS: [&str; 7] = [
    "Organisation",
    "Devices",
    "Circuits",
    "Assets",
    "Network probe",
    "Contracts",
    "Other",
];

impl Resource {
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }
    pub fn title_field(&self) -> &'static Field {
        self.field(self.title).expect("title field exists")
    }
    pub fn ref_fields(&self) -> impl Iterator<Item = &'static Field> + '_ {
        self.fields.iter().filter(|f| f.is_ref())
    }
    /// Fields kept in the type's own table.
    pub fn stored_fields(&self) -> impl Iterator<Item = &'static Field> + '_ {
        self.fields.iter().filter(|f| f.stored())
    }
    /// Fields a client may write (not computed).
    pub fn writable_fields(&self) -> impl Iterator<Item = &'static Field> + '_ {
        self.fields.iter().filter(|f| !f.computed)
    }
    /// The kinds this type's fields refer to (references, any-type references, sets).
    pub fn referenced_kinds(&self) -> Vec<Kind> {
        let mut out = vec![];
        for f in self.fields {
            match f.ty {
                FieldType::Ref(k) | FieldType::RefSet { kind: k, .. } => out.push(k),
                FieldType::AnyRef { kinds, .. } => out.extend_from_slice(kinds),
                _ => {}
            }
        }
        out.sort();
        out.dedup();
        out
    }
    /// The field whose values must be unique alone (`name`, `slug`, `asset_tag`, …): never set
    /// on many objects at once.
    pub fn is_unique_alone(&self, name: &str) -> bool {
        self.uniques.iter().any(|u| u.fields.last() == Some(&name))
    }
    /// Fields referring to sites (one for most, two for circuits).
    pub fn site_refs(&self) -> impl Iterator<Item = &'static Field> + '_ {
        self.fields
            .iter()
            .filter(|f| f.ref_kind() == Some(Kind::Site))
    }
    /// Filters offered beyond the fields themselves: everything under a region or site group
    /// for objects that belong to a site; `site_id` for objects with two site ends.
    pub fn via_site_filters(&self) -> Vec<&'static Field> {
        let mut out = Vec::new();
        let site_refs: Vec<_> = self.site_refs().collect();
        if site_refs.is_empty() {
            return out;
        }
        for name in ["region_id", "site_group_id"] {
            if self.field(name).is_none() {
                out.push(SITE.field(name).expect("site field"));
            }
        }
        if self.field("site_id").is_none() {
            out.push(&SITE_FILTER);
        }
        out
    }
    /// Every filterable key: each field (both columns of an any-type reference), the via-site
    /// filters, and `ancestor_id` for trees. Range filters add `__gte`, `__lte`, `__gt`, `__lt`
    /// to a ranged field's name (and to `created_at`, `updated_at`).
    pub fn filter_keys(&self) -> Vec<&'static str> {
        let mut keys: Vec<&'static str> = vec![];
        for f in self.fields.iter().filter(|f| !f.computed) {
            match f.ty {
                FieldType::AnyRef { columns, .. } => keys.extend(columns),
                _ => keys.push(f.name),
            }
        }
        keys.extend(self.via_site_filters().iter().map(|f| f.name));
        if self.tree {
            keys.push("ancestor_id");
        }
        keys.push("id");
        keys
    }
}

/// The `site_id` filter of an object with two site ends (A and Z side).
pub static SITE_FILTER: Field = Field {
    name: "site_id",
    label: "Site",
    ty: FieldType::Ref(Kind::Site),
    required: false,
    max_len: 0,
    filter: true,
    column: false,
    help: "either end",
    default: None,
    computed: false,
};

const fn f(name: &'static str, label: &'static str, ty: FieldType) -> Field {
    Field {
        name,
        label,
        ty,
        required: false,
        max_len: 200,
        filter: false,
        column: false,
        help: "",
        default: None,
        computed: false,
    }
}
const fn default(mut x: Field, value: &'static str) -> Field {
    x.default = Some(value);
    x
}
const fn req(mut x: Field) -> Field {
    x.required = true;
    x
}
const fn col(mut x: Field) -> Field {
    x.column = true;
    x
}
const fn filt(mut x: Field) -> Field {
    x.filter = true;
    x.column = true;
    x
}
/// Offered in the filter bar without being a list column.
const fn filter(mut x: Field) -> Field {
    x.filter = true;
    x
}
const fn len(mut x: Field, n: usize) -> Field {
    x.max_len = n;
    x
}
const fn help(mut x: Field, h: &'static str) -> Field {
    x.help = h;
    x
}
const fn computed(mut x: Field) -> Field {
    x.computed = true;
    x.column = true;
    x
}

const NAME: Field = col(req(len(f("name", "Name", FieldType::Text), 100)));
const SLUG: Field = help(
    len(f("slug", "Slug", FieldType::Slug), 100),
    "lowercase letters, digits, - and _; derived from the name when left empty",
);
const DESCRIPTION: Field = len(f("description", "Description", FieldType::Text), 500);
const TENANT: Field = filt(f("tenant_id", "Tenant", FieldType::Ref(Kind::Tenant)));
/// A badge colour (tags, asset types), grey unless chosen.
const COLOUR: Field = col(default(
    req(f("colour", "Colour", FieldType::Colour)),
    "9e9e9e",
));

pub const SITE_STATUS: &[Choice] = &[
    ("planned", "Planned"),
    ("staging", "Staging"),
    ("active", "Active"),
    ("decommissioning", "Decommissioning"),
    ("retired", "Retired"),
];
pub const LOCATION_STATUS: &[Choice] = &[
    ("planned", "Planned"),
    ("staging", "Staging"),
    ("active", "Active"),
    ("decommissioning", "Decommissioning"),
    ("retired", "Retired"),
];
pub const RACK_STATUS: &[Choice] = &[
    ("reserved", "Reserved"),
    ("available", "Available"),
    ("planned", "Planned"),
    ("active", "Active"),
    ("deprecated", "Deprecated"),
];
pub const DEVICE_STATUS: &[Choice] = &[
    ("offline", "Offline"),
    ("active", "Active"),
    ("planned", "Planned"),
    ("staged", "Staged"),
    ("failed", "Failed"),
    ("inventory", "Inventory"),
    ("decommissioning", "Decommissioning"),
];
pub const CIRCUIT_STATUS: &[Choice] = &[
    ("planned", "Planned"),
    ("provisioning", "Provisioning"),
    ("active", "Active"),
    ("offline", "Offline"),
    ("deprovisioning", "Deprovisioning"),
    ("decommissioned", "Decommissioned"),
];

const fn status(choices: &'static [Choice]) -> Field {
    default(
        filt(req(f("status", "Status", FieldType::Choice(choices)))),
        "active",
    )
}
/// The tags of objects whose join table is `table` (`device_tags`, …).
const fn tags(table: &'static str) -> Field {
    let mut t = f(
        "tag_ids",
        "Tags",
        FieldType::RefSet {
            kind: Kind::Tag,
            table,
        },
    );
    t.filter = true;
    t
}

const NAME_UNIQUE: Unique = Unique {
    fields: &["name"],
    field: "name",
    message: "a {singular} with this name already exists",
};
const SLUG_UNIQUE: Unique = Unique {
    fields: &["slug"],
    field: "slug",
    message: "a {singular} with this slug already exists",
};

pub static TENANT_RES: Resource = Resource {
    kind: Kind::Tenant,
    singular: "tenant",
    plural: "tenants",
    slug: "tenants",
    table: "tenants",
    title: "name",
    fields: &[NAME, SLUG, DESCRIPTION],
    search: &["name", "slug", "description"],
    search_exact: &[],
    default_order: "name",
    uniques: &[NAME_UNIQUE, SLUG_UNIQUE],
    tree: false,
    nav: "Organisation",
    panels: &[],
};

pub static REGION: Resource = Resource {
    kind: Kind::Region,
    singular: "region",
    plural: "regions",
    slug: "regions",
    table: "regions",
    title: "name",
    fields: &[
        NAME,
        SLUG,
        filt(f("parent_id", "Parent", FieldType::Ref(Kind::Region))),
        DESCRIPTION,
    ],
    search: &["name", "slug", "description"],
    search_exact: &[],
    default_order: "name",
    uniques: &[NAME_UNIQUE, SLUG_UNIQUE],
    tree: true,
    nav: "Organisation",
    panels: &[],
};

pub static SITE_GROUP: Resource = Resource {
    kind: Kind::SiteGroup,
    singular: "site group",
    plural: "site groups",
    slug: "site-groups",
    table: "site_groups",
    title: "name",
    fields: &[
        NAME,
        SLUG,
        filt(f("parent_id", "Parent", FieldType::Ref(Kind::SiteGroup))),
        DESCRIPTION,
    ],
    search: &["name", "slug", "description"],
    search_exact: &[],
    default_order: "name",
    uniques: &[NAME_UNIQUE, SLUG_UNIQUE],
    tree: true,
    nav: "Organisation",
    panels: &[],
};

pub static SITE: Resource = Resource {
    kind: Kind::Site,
    singular: "site",
    plural: "sites",
    slug: "sites",
    table: "sites",
    title: "name",
    fields: &[
        NAME,
        SLUG,
        status(SITE_STATUS),
        filt(f("region_id", "Region", FieldType::Ref(Kind::Region))),
        filt(f("site_group_id", "Group", FieldType::Ref(Kind::SiteGroup))),
        TENANT,
        col(len(f("facility", "Facility", FieldType::Text), 100)),
        help(
            f("time_zone", "Time zone", FieldType::TimeZone),
            "an IANA name such as Europe/Prague",
        ),
        len(
            f("physical_address", "Physical address", FieldType::LongText),
            500,
        ),
        help(
            f(
                "latitude",
                "Latitude",
                FieldType::Decimal {
                    scale: 6,
                    min: -90,
                    max: 90,
                },
            ),
            "GPS coordinate in decimal degrees, e.g. 50.087451",
        ),
        help(
            f(
                "longitude",
                "Longitude",
                FieldType::Decimal {
                    scale: 6,
                    min: -180,
                    max: 180,
                },
            ),
            "GPS coordinate in decimal degrees, e.g. 14.420671",
        ),
        DESCRIPTION,
        tags("site_tags"),
    ],
    search: &[
        "name",
        "slug",
        "facility",
        "physical_address",
        "description",
    ],
    search_exact: &[],
    default_order: "name",
    uniques: &[NAME_UNIQUE, SLUG_UNIQUE],
    tree: false,
    nav: "Organisation",
    panels: &[],
};

pub static LOCATION: Resource = Resource {
    kind: Kind::Location,
    singular: "location",
    plural: "locations",
    slug: "locations",
    table: "locations",
    title: "name",
    fields: &[
        NAME,
        SLUG,
        filt(req(f("site_id", "Site", FieldType::Ref(Kind::Site)))),
        filt(help(
            f("parent_id", "Parent", FieldType::Ref(Kind::Location)),
            "a location in the same site",
        )),
        status(LOCATION_STATUS),
        TENANT,
        DESCRIPTION,
    ],
    search: &["name", "slug", "description"],
    search_exact: &[],
    default_order: "name",
    uniques: &[
        Unique {
            fields: &["site_id", "name"],
            field: "name",
            message: "this site already has a location with this name",
        },
        Unique {
            fields: &["site_id", "slug"],
            field: "slug",
            message: "this site already has a location with this slug",
        },
    ],
    tree: true,
    nav: "Organisation",
    panels: &[],
};

pub static RACK: Resource = Resource {
    kind: Kind::Rack,
    singular: "rack",
    plural: "racks",
    slug: "racks",
    table: "racks",
    title: "name",
    fields: &[
        NAME,
        filt(req(f("site_id", "Site", FieldType::Ref(Kind::Site)))),
        filt(help(
            f("location_id", "Location", FieldType::Ref(Kind::Location)),
            "a location in the rack's site",
        )),
        status(RACK_STATUS),
        TENANT,
        col(default(
            help(
                f("units", "Units", FieldType::Int { min: 1, max: 100 }),
                "height in rack units (U); 42 when left empty",
            ),
            "42",
        )),
        default(
            req(help(
                f("desc_units", "Descending units", FieldType::Bool),
                "units are numbered from the top",
            )),
            "false",
        ),
        DESCRIPTION,
        tags("rack_tags"),
    ],
    search: &["name", "description"],
    search_exact: &[],
    default_order: "name",
    uniques: &[Unique {
        fields: &["site_id", "location_id", "name"],
        field: "name",
        message: "a rack with this name already exists in this site and location",
    }],
    tree: false,
    nav: "Devices",
    panels: &[],
};

pub static MANUFACTURER: Resource = Resource {
    kind: Kind::Manufacturer,
    singular: "manufacturer",
    plural: "manufacturers",
    slug: "manufacturers",
    table: "manufacturers",
    title: "name",
    fields: &[NAME, SLUG, DESCRIPTION],
    search: &["name", "slug", "description"],
    search_exact: &[],
    default_order: "name",
    uniques: &[NAME_UNIQUE, SLUG_UNIQUE],
    tree: false,
    nav: "Devices",
    panels: &[],
};

pub static DEVICE: Resource = Resource {
    kind: Kind::Device,
    singular: "device",
    plural: "devices",
    slug: "devices",
    table: "devices",
    title: "name",
    fields: &[
        NAME,
        status(DEVICE_STATUS),
        filt(len(f("role", "Role", FieldType::Text), 100)),
        filt(f(
            "manufacturer_id",
            "Manufacturer",
            FieldType::Ref(Kind::Manufacturer),
        )),
        col(len(f("model", "Model", FieldType::Text), 100)),
        col(len(f("serial", "Serial number", FieldType::Text), 100)),
        len(f("asset_tag", "Asset tag", FieldType::Text), 100),
        filt(help(
            len(f("platform", "Platform / OS", FieldType::Text), 100),
            "e.g. Cisco IOS-XE, Windows Server 2022",
        )),
        len(
            f("firmware_version", "Firmware version", FieldType::Text),
            100,
        ),
        col(f("primary_ipv4", "Primary IPv4", FieldType::Ipv4)),
        f("primary_ipv6", "Primary IPv6", FieldType::Ipv6),
        help(
            f("mac_address", "MAC address", FieldType::Mac),
            "any common form: 00:11:22:33:44:55, 00-11-22-33-44-55, 0011.2233.4455",
        ),
        filt(req(f("site_id", "Site", FieldType::Ref(Kind::Site)))),
        filt(help(
            f("location_id", "Location", FieldType::Ref(Kind::Location)),
            "a location in the device's site",
        )),
        filt(help(
            f("rack_id", "Rack", FieldType::Ref(Kind::Rack)),
            "a rack in the device's site (and location)",
        )),
        TENANT,
        f("purchase_date", "Purchase date", FieldType::Date),
        filter(f("warranty_end", "Warranty end", FieldType::Date)),
        help(
            f(
                "purchase_price",
                "Purchase price",
                FieldType::Money {
                    currency: "currency",
                },
            ),
            "in the currency below",
        ),
        help(
            f("currency", "Currency", FieldType::Currency),
            "ISO 4217 code, e.g. EUR",
        ),
        help(
            f("last_audit_at", "Last audited", FieldType::DateTime),
            "when the device was last checked in place (UTC)",
        ),
        help(
            f("custom_fields", "Custom fields", FieldType::Json),
            "a JSON object of your own attributes, e.g. {\"cost_centre\": \"IT-42\"}",
        ),
        DESCRIPTION,
        len(f("comments", "Comments", FieldType::LongText), 10_000),
        tags("device_tags"),
        computed(help(
            f("last_seen", "Last seen", FieldType::Date),
            "the last day a history source reported the device",
        )),
    ],
    search: &["name", "serial", "asset_tag"],
    search_exact: &["primary_ipv4", "primary_ipv6", "mac_address"],
    default_order: "name",
    uniques: &[
        Unique {
            fields: &["site_id", "name"],
            field: "name",
            message: "this site already has a device with this name",
        },
        Unique {
            fields: &["asset_tag"],
            field: "asset_tag",
            message: "another device has this asset tag",
        },
    ],
    tree: false,
    nav: "Devices",
    panels: &[Panel::SeenBySources],
};

pub static PROVIDER: Resource = Resource {
    kind: Kind::Provider,
    singular: "provider",
    plural: "providers",
    slug: "providers",
    table: "providers",
    title: "name",
    fields: &[NAME, SLUG, DESCRIPTION],
    search: &["name", "slug", "description"],
    search_exact: &[],
    default_order: "name",
    uniques: &[NAME_UNIQUE, SLUG_UNIQUE],
    tree: false,
    nav: "Circuits",
    panels: &[],
};

pub const CIRCUIT_TYPES: &[Choice] = &[
    ("internet", "Internet"),
    ("mpls", "MPLS"),
    ("p2p", "Point-to-point"),
    ("dark-fiber", "Dark fiber"),
    ("wavelength", "Wavelength"),
    ("transit", "IP transit"),
    ("other", "Other"),
];

pub static CIRCUIT: Resource = Resource {
    kind: Kind::Circuit,
    singular: "circuit",
    plural: "circuits",
    slug: "circuits",
    table: "circuits",
    title: "circuit_id",
    fields: &[
        col(req(len(
            f("circuit_id", "Circuit ID", FieldType::Text),
            100,
        ))),
        filt(req(f(
            "provider_id",
            "Provider",
            FieldType::Ref(Kind::Provider),
        ))),
        filt(f("type", "Type", FieldType::Choice(CIRCUIT_TYPES))),
        status(CIRCUIT_STATUS),
        col(help(
            f(
                "commit_rate",
                "Commit rate (kbps)",
                FieldType::Int {
                    min: 0,
                    max: 1_000_000_000,
                },
            ),
            "committed rate in kbit/s",
        )),
        filt(f(
            "a_side_site_id",
            "A-side site",
            FieldType::Ref(Kind::Site),
        )),
        filt(f(
            "z_side_site_id",
            "Z-side site",
            FieldType::Ref(Kind::Site),
        )),
        f("install_date", "Install date", FieldType::Date),
        filter(help(
            f("termination_date", "Termination date", FieldType::Date),
            "when the contract ends; not before the install date",
        )),
        DESCRIPTION,
        tags("circuit_tags"),
    ],
    search: &["circuit_id", "description"],
    search_exact: &[],
    default_order: "circuit_id",
    uniques: &[Unique {
        fields: &["provider_id", "circuit_id"],
        field: "circuit_id",
        message: "this provider already has a circuit with this ID",
    }],
    tree: false,
    nav: "Circuits",
    panels: &[],
};

pub static TAG: Resource = Resource {
    kind: Kind::Tag,
    singular: "tag",
    plural: "tags",
    slug: "tags",
    table: "tags",
    title: "name",
    fields: &[NAME, SLUG, COLOUR, DESCRIPTION],
    search: &["name", "slug", "description"],
    search_exact: &[],
    default_order: "name",
    uniques: &[NAME_UNIQUE, SLUG_UNIQUE],
    tree: false,
    nav: "Other",
    panels: &[],
};

pub const JOURNAL_KINDS: &[Choice] = &[
    ("info", "Info"),
    ("success", "Success"),
    ("warning", "Warning"),
    ("danger", "Danger"),
];

/// Everything a journal entry can be about.
pub const JOURNALED: &[Kind] = &[
    Kind::Tenant,
    Kind::Region,
    Kind::SiteGroup,
    Kind::Site,
    Kind::Location,
    Kind::Rack,
    Kind::Manufacturer,
    Kind::Device,
    Kind::Provider,
    Kind::Circuit,
];

pub static JOURNAL_ENTRY: Resource = Resource {
    kind: Kind::JournalEntry,
    singular: "journal entry",
    plural: "journal entries",
    slug: "journal-entries",
    table: "journal_entries",
    title: "summary",
    fields: &[
        col(req(f(
            "assigned_object",
            "About",
            FieldType::AnyRef {
                kinds: JOURNALED,
                cascade: true,
                columns: ["assigned_object_type", "assigned_object_id"],
            },
        ))),
        col(req(len(f("summary", "Summary", FieldType::Text), 200))),
        default(
            filt(req(f("kind", "Kind", FieldType::Choice(JOURNAL_KINDS)))),
            "info",
        ),
        len(f("comments", "Comments", FieldType::LongText), 10_000),
    ],
    search: &["summary"],
    search_exact: &[],
    default_order: "summary",
    uniques: &[],
    tree: false,
    nav: "Other",
    panels: &[],
};

// --- Asset lifecycle (seed 000: NetBox's inventory-monitor plugin) --------------------------

pub const ASSIGNMENT_STATUS: &[Choice] = &[
    ("reserved", "Reserved"),
    ("deployed", "Deployed"),
    ("loaned", "Loaned"),
    ("stocked", "Stocked"),
];
pub const LIFECYCLE_STATUS: &[Choice] = &[
    ("new", "New"),
    ("in_stock", "In stock"),
    ("in_use", "In use"),
    ("in_maintenance", "In maintenance"),
    ("retired", "Retired"),
    ("disposed", "Disposed"),
];
pub const CONTRACT_TYPES: &[Choice] = &[
    ("supply", "Supply"),
    ("order", "Order"),
    ("service", "Service"),
    ("other", "Other"),
];
/// An RMA's statuses in the order a return goes through them (the seed's).
pub const RMA_STATUS: &[Choice] = &[
    ("investigating", "Investigating"),
    ("authorized", "Authorized"),
    ("shipped", "Shipped"),
    ("completed", "Completed"),
    ("cancelled", "Cancelled"),
];

/// What an asset can be assigned to.
pub const ASSIGNABLE: &[Kind] = &[Kind::Device, Kind::Site, Kind::Location, Kind::Rack];

const fn money(name: &'static str, label: &'static str) -> Field {
    help(
        f(
            name,
            label,
            FieldType::Money {
                currency: "currency",
            },
        ),
        "in the currency below; not negative",
    )
}
const CURRENCY: Field = help(
    f("currency", "Currency", FieldType::Currency),
    "ISO 4217 code, e.g. EUR",
);
const COMMENTS: Field = len(f("comments", "Comments", FieldType::LongText), 10_000);
const fn text(name: &'static str, label: &'static str) -> Field {
    len(f(name, label, FieldType::Text), 200)
}
const fn date(name: &'static str, label: &'static str) -> Field {
    f(name, label, FieldType::Date)
}

pub static ASSET_TYPE: Resource = Resource {
    kind: Kind::AssetType,
    singular: "asset type",
    plural: "asset types",
    slug: "asset-types",
    table: "asset_types",
    title: "name",
    fields: &[NAME, SLUG, COLOUR, DESCRIPTION],
    search: &["name", "slug", "description"],
    search_exact: &[],
    default_order: "name",
    uniques: &[NAME_UNIQUE, SLUG_UNIQUE],
    tree: false,
    nav: "Assets",
    panels: &[],
};

pub static ASSET: Resource = Resource {
    kind: Kind::Asset,
    singular: "asset",
    plural: "assets",
    slug: "assets",
    table: "assets",
    title: "serial",
    fields: &[
        col(help(
            len(f("serial", "Serial number", FieldType::Text), 100),
            "unique among assets when given",
        )),
        col(len(f("part_number", "Part number", FieldType::Text), 100)),
        filt(f("type_id", "Type", FieldType::Ref(Kind::AssetType))),
        default(
            filt(req(f(
                "assignment_status",
                "Assignment",
                FieldType::Choice(ASSIGNMENT_STATUS),
            ))),
            "stocked",
        ),
        default(
            filt(req(f(
                "lifecycle_status",
                "Lifecycle",
                FieldType::Choice(LIFECYCLE_STATUS),
            ))),
            "new",
        ),
        col(help(
            f(
                "assigned_object",
                "Assigned to",
                FieldType::AnyRef {
                    kinds: ASSIGNABLE,
                    cascade: false,
                    columns: ["assigned_object_type", "assigned_object_id"],
                },
            ),
            "a device, site, location or rack",
        )),
        filt(f(
            "order_contract_id",
            "Order contract",
            FieldType::Ref(Kind::Contract),
        )),
        filter(text("project", "Project")),
        filter(text("vendor", "Vendor")),
        default(
            req(f(
                "quantity",
                "Quantity",
                FieldType::Int {
                    min: 1,
                    max: 1_000_000,
                },
            )),
            "1",
        ),
        money("price", "Price"),
        CURRENCY,
        date("warranty_start", "Warranty start"),
        filter(date("warranty_end", "Warranty end")),
        DESCRIPTION,
        COMMENTS,
    ],
    search: &["serial", "part_number", "description", "project", "vendor"],
    search_exact: &[],
    default_order: "serial",
    uniques: &[Unique {
        fields: &["serial"],
        field: "serial",
        message: "another asset has this serial number",
    }],
    tree: false,
    nav: "Assets",
    panels: &[],
};

pub static CONTRACTOR: Resource = Resource {
    kind: Kind::Contractor,
    singular: "contractor",
    plural: "contractors",
    slug: "contractors",
    table: "contractors",
    title: "name",
    fields: &[
        NAME,
        col(text("company", "Company")),
        len(f("address", "Address", FieldType::LongText), 500),
        TENANT,
    ],
    search: &["name", "company", "address"],
    search_exact: &[],
    default_order: "name",
    uniques: &[NAME_UNIQUE],
    tree: false,
    nav: "Contracts",
    panels: &[],
};

pub static CONTRACT: Resource = Resource {
    kind: Kind::Contract,
    singular: "contract",
    plural: "contracts",
    slug: "contracts",
    table: "contracts",
    title: "name",
    fields: &[
        NAME,
        col(text("name_internal", "Internal name")),
        filt(req(f(
            "contractor_id",
            "Contractor",
            FieldType::Ref(Kind::Contractor),
        ))),
        default(
            filt(req(f("type", "Type", FieldType::Choice(CONTRACT_TYPES)))),
            "supply",
        ),
        col(money("price", "Price")),
        CURRENCY,
        date("signed", "Signed"),
        date("accepted", "Accepted"),
        date("invoicing_start", "Invoicing start"),
        filter(help(
            date("invoicing_end", "Invoicing end"),
            "not before the invoicing start",
        )),
        filt(help(
            f(
                "parent_id",
                "Parent contract",
                FieldType::Ref(Kind::Contract),
            ),
            "a contract this one is part of",
        )),
        COMMENTS,
    ],
    search: &["name", "name_internal"],
    search_exact: &[],
    default_order: "name",
    uniques: &[NAME_UNIQUE],
    tree: true,
    nav: "Contracts",
    panels: &[],
};

pub static INVOICE: Resource = Resource {
    kind: Kind::Invoice,
    singular: "invoice",
    plural: "invoices",
    slug: "invoices",
    table: "invoices",
    title: "name",
    fields: &[
        NAME,
        col(text("name_internal", "Internal name")),
        filter(text("project", "Project")),
        filt(req(f(
            "contract_id",
            "Contract",
            FieldType::Ref(Kind::Contract),
        ))),
        col(money("price", "Price")),
        CURRENCY,
        date("invoicing_start", "Invoicing start"),
        filter(help(
            date("invoicing_end", "Invoicing end"),
            "not before the invoicing start",
        )),
        COMMENTS,
    ],
    search: &["name", "name_internal", "project"],
    search_exact: &[],
    default_order: "name",
    uniques: &[Unique {
        fields: &["contract_id", "name"],
        field: "name",
        message: "this contract already has an invoice with this name",
    }],
    tree: false,
    nav: "Contracts",
    panels: &[],
};

pub static ASSET_SERVICE: Resource = Resource {
    kind: Kind::AssetService,
    singular: "asset service",
    plural: "asset services",
    slug: "asset-services",
    table: "asset_services",
    title: "service_category",
    fields: &[
        filt(req(f("asset_id", "Asset", FieldType::Ref(Kind::Asset)))),
        filt(f("contract_id", "Contract", FieldType::Ref(Kind::Contract))),
        col(date("service_start", "Service start")),
        filter(col(help(
            date("service_end", "Service end"),
            "not before the service start",
        ))),
        col(money("service_price", "Price")),
        CURRENCY,
        filt(text("service_category", "Category")),
        text("service_category_vendor", "Vendor's category"),
        COMMENTS,
    ],
    search: &["service_category", "service_category_vendor"],
    search_exact: &[],
    default_order: "service_start",
    uniques: &[],
    tree: false,
    nav: "Assets",
    panels: &[],
};

pub static RMA: Resource = Resource {
    kind: Kind::Rma,
    singular: "RMA",
    plural: "RMAs",
    slug: "rmas",
    table: "rmas",
    title: "rma_number",
    fields: &[
        col(help(
            len(f("rma_number", "RMA number", FieldType::Text), 100),
            "the vendor's return authorisation number",
        )),
        filt(req(f("asset_id", "Asset", FieldType::Ref(Kind::Asset)))),
        col(help(
            len(
                f("original_serial", "Original serial", FieldType::Text),
                100,
            ),
            "the asset's serial when the RMA was opened (taken from the asset when left empty)",
        )),
        col(help(
            len(
                f("replacement_serial", "Replacement serial", FieldType::Text),
                100,
            ),
            "becomes the asset's serial when the RMA is completed",
        )),
        default(
            filt(req(f("status", "Status", FieldType::Choice(RMA_STATUS)))),
            "investigating",
        ),
        col(date("date_issued", "Issued")),
        date("date_replaced", "Replaced"),
        len(f("issue_description", "Issue", FieldType::LongText), 10_000),
        len(
            f("vendor_response", "Vendor response", FieldType::LongText),
            10_000,
        ),
    ],
    search: &["rma_number", "original_serial", "replacement_serial"],
    search_exact: &[],
    default_order: "rma_number",
    uniques: &[Unique {
        fields: &["rma_number"],
        field: "rma_number",
        message: "another RMA has this number",
    }],
    tree: false,
    nav: "Assets",
    panels: &[],
};

pub static EXTERNAL_INVENTORY: Resource = Resource {
    kind: Kind::ExternalInventory,
    singular: "external inventory record",
    plural: "external inventory records",
    slug: "external-inventory",
    table: "external_inventory",
    title: "inventory_number",
    fields: &[
        col(req(len(
            f("inventory_number", "Inventory number", FieldType::Text),
            100,
        ))),
        col(text("name", "Name")),
        filt(help(
            len(f("status", "Status code", FieldType::Text), 50),
            "the external system's status code",
        )),
        filter(text("project_code", "Project code")),
        col(text("user_name", "User")),
        len(f("user_note", "User note", FieldType::LongText), 10_000),
        f(
            "asset_ids",
            "Assets",
            FieldType::RefSet {
                kind: Kind::Asset,
                table: "external_inventory_assets",
            },
        ),
    ],
    search: &["inventory_number", "name", "project_code", "user_name"],
    search_exact: &[],
    default_order: "inventory_number",
    uniques: &[Unique {
        fields: &["inventory_number"],
        field: "inventory_number",
        message: "another record has this inventory number",
    }],
    tree: false,
    nav: "Assets",
    panels: &[],
};

pub static PROBE: Resource = Resource {
    kind: Kind::Probe,
    singular: "probe",
    plural: "probes",
    slug: "probes",
    table: "probes",
    title: "serial",
    fields: &[
        col(req(help(
            f("time", "Time", FieldType::DateTime),
            "when the discovery saw it (UTC)",
        ))),
        col(text("device_descriptor", "Device descriptor")),
        filt(text("site_descriptor", "Site descriptor")),
        filt(text("location_descriptor", "Location descriptor")),
        col(len(f("serial", "Serial number", FieldType::Text), 100)),
        col(len(f("part_number", "Part number", FieldType::Text), 100)),
        text("name", "Name"),
        DESCRIPTION,
        filt(len(f("category", "Category", FieldType::Text), 100)),
        filter(f("device_id", "Device", FieldType::Ref(Kind::Device))),
        filter(f("site_id", "Site", FieldType::Ref(Kind::Site))),
        filter(f("location_id", "Location", FieldType::Ref(Kind::Location))),
        help(
            f("discovered_data", "Discovered data", FieldType::Json),
            "a JSON object: whatever the discovery script found",
        ),
    ],
    search: &["serial", "part_number", "name", "device_descriptor"],
    search_exact: &[],
    default_order: "-time",
    uniques: &[],
    tree: false,
    nav: "Network probe",
    panels: &[],
};

/// All resources, in navigation order.
pub static RESOURCES: &[&Resource] = &[
    &REGION,
    &SITE_GROUP,
    &SITE,
    &LOCATION,
    &RACK,
    &TENANT_RES,
    &DEVICE,
    &MANUFACTURER,
    &PROVIDER,
    &CIRCUIT,
    &ASSET,
    &ASSET_TYPE,
    &RMA,
    &EXTERNAL_INVENTORY,
    &ASSET_SERVICE,
    &PROBE,
    &CONTRACTOR,
    &CONTRACT,
    &INVOICE,
    &TAG,
    &JOURNAL_ENTRY,
];

impl Kind {
    pub fn res(self) -> &'static Resource {
        match self {
            Kind::Tenant => &TENANT_RES,
            Kind::Region => &REGION,
            Kind::SiteGroup => &SITE_GROUP,
            Kind::Site => &SITE,
            Kind::Location => &LOCATION,
            Kind::Rack => &RACK,
            Kind::Manufacturer => &MANUFACTURER,
            Kind::Device => &DEVICE,
            Kind::Provider => &PROVIDER,
            Kind::Circuit => &CIRCUIT,
            Kind::Tag => &TAG,
            Kind::JournalEntry => &JOURNAL_ENTRY,
            Kind::AssetType => &ASSET_TYPE,
            Kind::Asset => &ASSET,
            Kind::Contractor => &CONTRACTOR,
            Kind::Contract => &CONTRACT,
            Kind::Invoice => &INVOICE,
            Kind::AssetService => &ASSET_SERVICE,
            Kind::Rma => &RMA,
            Kind::ExternalInventory => &EXTERNAL_INVENTORY,
            Kind::Probe => &PROBE,
        }
    }
    pub fn from_slug(slug: &str) -> Option<Kind> {
        RESOURCES.iter().find(|r| r.slug == slug).map(|r| r.kind)
    }
    /// The snake_case name used in the change log (`site_group`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Tenant => "tenant",
            Kind::Region => "region",
            Kind::SiteGroup => "site_group",
            Kind::Site => "site",
            Kind::Location => "location",
            Kind::Rack => "rack",
            Kind::Manufacturer => "manufacturer",
            Kind::Device => "device",
            Kind::Provider => "provider",
            Kind::Circuit => "circuit",
            Kind::Tag => "tag",
            Kind::JournalEntry => "journal_entry",
            Kind::AssetType => "asset_type",
            Kind::Asset => "asset",
            Kind::Contractor => "contractor",
            Kind::Contract => "contract",
            Kind::Invoice => "invoice",
            Kind::AssetService => "asset_service",
            Kind::Rma => "rma",
            Kind::ExternalInventory => "external_inventory",
            Kind::Probe => "probe",
        }
    }
    pub fn parse(s: &str) -> Option<Kind> {
        RESOURCES.iter().map(|r| r.kind).find(|k| k.as_str() == s)
    }
}

/// A field of another resource that refers to objects of `kind`: the reverse relations shown on
/// detail pages and checked before a delete.
#[derive(Clone, Copy, Debug)]
pub struct Reverse {
    pub from: &'static Resource,
    pub field: &'static Field,
}

impl Reverse {
    /// The list filter that finds the objects pointing at object `id`.
    pub fn filter(&self, kind: Kind, id: i64) -> Vec<(&'static str, String)> {
        match self.field.ty {
            FieldType::AnyRef { columns, .. } => vec![
                (columns[0], kind.as_str().to_string()),
                (columns[1], id.to_string()),
            ],
            _ => vec![(self.field.name, id.to_string())],
        }
    }
}

/// Every field that can point at objects of `kind`: references, any-type references that
/// allow it, and sets.
pub fn reverse_refs(kind: Kind) -> Vec<Reverse> {
    let mut out = Vec::new();
    for r in RESOURCES {
        for field in r.fields {
            let points = match field.ty {
                FieldType::Ref(k) | FieldType::RefSet { kind: k, .. } => k == kind,
                FieldType::AnyRef { kinds, .. } => kinds.contains(&kind),
                _ => false,
            };
            if points {
                out.push(Reverse { from: r, field });
            }
        }
    }
    out
}

/// `Site` → `sites` etc.; "1 device" / "12 devices".
/// References to inventory objects from tables that are not inventory types: (target kind,
/// table, column, singular, plural). They protect deletion like the others.
pub const OTHER_REFS: [(Kind, &str, &str, &str, &str); 1] = [(
    Kind::Site,
    "site_mappings",
    "site_id",
    "source mapping",
    "source mappings",
)];

pub fn count_noun(n: u64, res: &Resource) -> String {
    if n == 1 {
        format!("1 {}", res.singular)
    } else {
        format!("{n} {}", res.plural)
    }
}

pub fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_ref_names_an_id_field_and_titles_exist() {
        for r in RESOURCES {
            let _ = r.title_field();
            let order = r.default_order.trim_start_matches('-');
            assert!(r.fields.iter().any(|f| f.name == order));
            for f in r.fields {
                assert_eq!(
                    f.is_ref(),
                    f.name.ends_with("_id") && f.name != "circuit_id",
                    "{}.{}",
                    r.table,
                    f.name
                );
                if let FieldType::RefSet { .. } = f.ty {
                    assert!(f.name.ends_with("_ids"), "{}.{}", r.table, f.name);
                }
                if let FieldType::Money { currency } = f.ty {
                    assert!(
                        matches!(r.field(currency).map(|c| c.ty), Some(FieldType::Currency)),
                        "{}.{}: no currency field {currency}",
                        r.table,
                        f.name
                    );
                }
                if let Some(d) = f.default {
                    assert!(!d.is_empty(), "{}.{}", r.table, f.name);
                }
                assert!(!(f.computed && f.required), "{}.{}", r.table, f.name);
            }
            assert!(NAV_GROUPS.contains(&r.nav), "{}", r.table);
            for u in r.uniques {
                for name in u.fields {
                    assert!(r.field(name).is_some(), "{} {}", r.table, name);
                }
            }
            for s in r.search.iter().chain(r.search_exact) {
                assert!(r.field(s).is_some());
            }
            assert_eq!(Kind::from_slug(r.slug), Some(r.kind));
            assert_eq!(Kind::parse(r.kind.as_str()), Some(r.kind));
        }
    }

    #[test]
    fn site_reverse_relations_include_circuit_ends() {
        let names: Vec<String> = reverse_refs(Kind::Site)
            .iter()
            .map(|r| format!("{}.{}", r.from.table, r.field.name))
            .collect();
        assert!(names.contains(&"devices.site_id".to_string()));
        assert!(names.contains(&"circuits.a_side_site_id".to_string()));
        assert!(names.contains(&"circuits.z_side_site_id".to_string()));
        assert!(
            CIRCUIT
                .via_site_filters()
                .iter()
                .any(|f| f.name == "site_id")
        );
        assert!(
            DEVICE
                .via_site_filters()
                .iter()
                .any(|f| f.name == "region_id")
        );
        assert!(SITE.via_site_filters().is_empty());
    }
}
