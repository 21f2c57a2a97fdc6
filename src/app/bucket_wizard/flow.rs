//! The new-bucket wizard as a state machine: name, region, protection, layout and cost, web
//! access, review, then the setup. `update(event) -> effects` takes no egui, connection or
//! promise; the window carries out the effects (the probe, the name check, the setup job).

use crate::s3::S3Error;
use crate::s3::bucket_setup::{
    Availability, BucketSpec, Capabilities, Encryption, SetupEvent, SetupReport, SetupStep,
};
use crate::s3::naming::{suggest_bucket_name, validate_bucket_name};

/// The steps where the spec is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Name,
    Region,
    Protection,
    Layout,
    WebAccess,
    Review,
}

impl Step {
    const ORDER: [Step; 6] = [
        Step::Name,
        Step::Region,
        Step::Protection,
        Step::Layout,
        Step::WebAccess,
        Step::Review,
    ];

    fn index(self) -> usize {
        Self::ORDER.iter().position(|s| *s == self).unwrap_or(0)
    }
}

pub enum Stage {
    Editing(Step),
    /// The setup of the spec as reviewed, and what it has done so far.
    Apply {
        spec: Box<BucketSpec>,
        report: SetupReport,
    },
}

impl Stage {
    pub const TITLES: [&'static str; 7] = [
        "Name",
        "Region",
        "Protection",
        "Layout and cost",
        "Web access",
        "Review",
        "Create",
    ];

    pub fn index(&self) -> usize {
        match self {
            Stage::Editing(step) => step.index(),
            Stage::Apply { .. } => Step::ORDER.len(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WizardOutcome {
    Open,
    Closed,
    /// The bucket exists (possibly with some settings not applied): open it.
    Created(String),
}

#[derive(Debug)]
pub enum Event {
    Next,
    Back,
    Probed(Capabilities),
    Checked {
        name: String,
        result: Result<Availability, S3Error>,
    },
    Setup(SetupEvent),
    Retry,
    Open,
    Close,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Effect {
    ProbeCapabilities,
    CheckAvailability(String),
    StartSetup {
        spec: Box<BucketSpec>,
        steps: Vec<SetupStep>,
    },
    Close(WizardOutcome),
}

/// Where the bucket will live, as the connection says.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// AWS regions come from a list; other endpoints take free text.
    pub aws: bool,
    pub url: String,
    pub region: String,
}

pub struct BucketFlow {
    pub stage: Stage,
    pub spec: BucketSpec,
    pub initials: String,
    pub project: String,
    pub purpose: String,
    date: String,
    /// Once the user types a name, suggestions stop overwriting it.
    name_edited: bool,
    pub dataset: String,
    pub version: String,
    pub splits: String,
    pub create_layout: bool,
    pub endpoint: Endpoint,
    pub capabilities: Option<Capabilities>,
    /// The name asked about, and the answer once it came.
    availability: Option<(String, Option<Result<Availability, S3Error>>)>,
    pub problem: Option<String>,
}

impl BucketFlow {
    pub fn open(endpoint: Endpoint, today_yyyymmdd: &str) -> (Self, Vec<Effect>) {
        let mut spec = BucketSpec::new("", &endpoint.region);
        spec.tags = ["project", "owner", "cost-center"]
            .map(|k| (k.to_owned(), String::new()))
            .to_vec();
        let mut flow = Self {
            stage: Stage::Editing(Step::Name),
            spec,
            initials: String::new(),
            project: String::new(),
            purpose: "raw".into(),
            date: today_yyyymmdd.to_owned(),
            name_edited: false,
            dataset: "wikipedia".into(),
            version: "v1".into(),
            splits: "train, validation, test".into(),
            create_layout: false,
            endpoint,
            capabilities: None,
            availability: None,
            problem: None,
        };
        flow.suggest();
        (flow, vec![Effect::ProbeCapabilities])
    }

    pub fn step(&self) -> Option<Step> {
        match self.stage {
            Stage::Editing(step) => Some(step),
            Stage::Apply { .. } => None,
        }
    }

    /// Rebuilds the suggested name from its parts (initials, project, purpose), unless the user
    /// wrote their own. Like every edit of a field, it is made where the field is drawn, so the
    /// same frame shows it.
    pub fn suggest(&mut self) {
        if !self.name_edited {
            self.spec.name =
                suggest_bucket_name(&[&self.initials, &self.project, &self.purpose], &self.date);
        }
    }

    /// A name the user typed: suggestions stop overwriting it.
    pub fn set_name(&mut self, name: String) {
        self.spec.name = name;
        self.name_edited = true;
    }

    /// Folders from the `<dataset>/<version>/<split>/` template.
    pub fn layout_folders(&self) -> Vec<String> {
        let clean = |s: &str| s.trim().trim_matches('/').to_owned();
        let (dataset, version) = (clean(&self.dataset), clean(&self.version));
        self.splits
            .split(',')
            .map(clean)
            .filter(|s| !s.is_empty() && !dataset.is_empty() && !version.is_empty())
            .map(|split| format!("{dataset}/{version}/{split}/"))
            .collect()
    }

    /// The spec as it will be applied: empty tags dropped, folders from the template.
    pub fn final_spec(&self) -> BucketSpec {
        let mut spec = self.spec.clone();
        spec.tags
            .retain(|(k, v)| !k.trim().is_empty() && !v.trim().is_empty());
        spec.folders = if self.create_layout {
            self.layout_folders()
        } else {
            Vec::new()
        };
        spec
    }

    /// The answer about the name as it is now; `None` while it is being checked.
    pub fn availability(&self) -> Option<&Result<Availability, S3Error>> {
        (self.availability.as_ref())
            .filter(|(name, _)| *name == self.spec.name)
            .and_then(|(_, answer)| answer.as_ref())
    }

    /// What stops the current step from moving on.
    pub fn blocker(&self) -> Option<String> {
        match self.step()? {
            Step::Name => validate_bucket_name(&self.spec.name)
                .err()
                .map(|r| r.to_string()),
            Step::Region if self.spec.region.trim().is_empty() => Some("Choose a region.".into()),
            Step::Protection => match &self.spec.encryption {
                Encryption::SseKms { key_id } if key_id.trim().is_empty() => {
                    Some("Enter the KMS key to encrypt with, or choose SSE-S3.".into())
                }
                _ => None,
            },
            Step::Review => match self.availability() {
                Some(Ok(Availability::Taken)) => Some(format!(
                    "{} is taken by another account. Go back and choose another name.",
                    self.spec.name
                )),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn update(&mut self, event: Event) -> Vec<Effect> {
        match event {
            Event::Next => self.next(),
            Event::Back => {
                self.back();
                vec![]
            }
            Event::Probed(capabilities) => {
                self.capabilities = Some(capabilities);
                vec![]
            }
            Event::Checked { name, result } => {
                if let Some((asked, answer)) = &mut self.availability
                    && *asked == name
                {
                    *answer = Some(result);
                }
                vec![]
            }
            Event::Setup(event) => {
                if let Stage::Apply { report, .. } = &mut self.stage {
                    report.take(event);
                }
                vec![]
            }
            Event::Retry => self.retry(),
            Event::Open => match &self.stage {
                Stage::Apply { spec, report } if report.finished && report.bucket_exists() => {
                    vec![Effect::Close(WizardOutcome::Created(spec.name.clone()))]
                }
                _ => vec![],
            },
            Event::Close => vec![Effect::Close(WizardOutcome::Closed)],
        }
    }

    fn next(&mut self) -> Vec<Effect> {
        let Some(step) = self.step() else {
            return vec![];
        };
        if let Some(problem) = self.blocker() {
            self.problem = Some(problem);
            return vec![];
        }
        self.problem = None;
        if step == Step::Review {
            return self.create();
        }
        let next = Step::ORDER[step.index() + 1];
        self.stage = Stage::Editing(next);
        if next != Step::Review
            || (self.availability.as_ref()).is_some_and(|(name, _)| *name == self.spec.name)
        {
            return vec![];
        }
        self.availability = Some((self.spec.name.clone(), None));
        vec![Effect::CheckAvailability(self.spec.name.clone())]
    }

    /// Starts the setup of the reviewed spec; a bucket already the user's is not created again.
    fn create(&mut self) -> Vec<Effect> {
        let spec = Box::new(self.final_spec());
        let mut steps = spec.steps();
        if self.availability() == Some(&Ok(Availability::AlreadyYours)) {
            steps.retain(|s| *s != SetupStep::Create);
        }
        self.stage = Stage::Apply {
            spec: spec.clone(),
            report: SetupReport::new(&steps),
        };
        vec![Effect::StartSetup { spec, steps }]
    }

    fn back(&mut self) {
        self.problem = None;
        if let Stage::Editing(step) = self.stage
            && step.index() > 0
        {
            self.stage = Stage::Editing(Step::ORDER[step.index() - 1]);
        }
    }

    /// Runs again what failed or never ran, once the setup has finished.
    fn retry(&mut self) -> Vec<Effect> {
        let Stage::Apply { spec, report } = &mut self.stage else {
            return vec![];
        };
        if !report.finished || report.failures() == 0 {
            return vec![];
        }
        let steps = report.retry();
        vec![Effect::StartSetup {
            spec: spec.clone(),
            steps,
        }]
    }
}
