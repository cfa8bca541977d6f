using Mono.Cecil;

namespace Tokenkeeper.Tests.Architecture;

/// <summary>
/// Which namespaces of one compiled assembly refer to which, read from the IL: every type a type names in its base
/// type, interfaces, attributes, fields, properties, events, method signatures, local variables, and the operands of
/// its method bodies (calls, field accesses, casts, generic arguments). Compiler-generated nested types (lambdas,
/// async state machines) count for the type they are nested in.
/// </summary>
internal sealed class NamespaceGraph
{
    private readonly Dictionary<string, Dictionary<string, SortedSet<string>>> _edges = new(StringComparer.Ordinal);

    private NamespaceGraph(string rootNamespace) => RootNamespace = rootNamespace;

    /// <summary>The namespace every counted namespace starts with.</summary>
    public string RootNamespace { get; }

    /// <summary>Every namespace that has at least one type.</summary>
    public IReadOnlyCollection<string> Namespaces => _edges.Keys;

    /// <summary>Reads the assembly at <paramref name="path"/>; only namespaces under <paramref name="rootNamespace"/> count.</summary>
    public static NamespaceGraph Read(string path, string rootNamespace)
    {
        var graph = new NamespaceGraph(rootNamespace);
        using var module = ModuleDefinition.ReadModule(path);
        foreach (var type in module.Types)
        {
            if (type.Name == "<Module>" || !graph.Counts(type.Namespace))
            {
                continue;
            }

            graph.Visit(type, type);
        }

        return graph;
    }

    /// <summary>The namespaces <paramref name="from"/> refers to, other than itself.</summary>
    public IEnumerable<string> Targets(string from) =>
        _edges.TryGetValue(from, out var targets) ? targets.Keys : [];

    /// <summary>Which types of <paramref name="from"/> name a type of <paramref name="to"/>, as "A -> B" lines.</summary>
    public IEnumerable<string> Evidence(string from, string to) =>
        _edges.TryGetValue(from, out var targets) && targets.TryGetValue(to, out var pairs) ? pairs : [];

    /// <summary>
    /// Every cycle among the namespaces, as the strongly connected components with more than one member (Tarjan),
    /// each sorted by name.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<string>> Cycles()
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var components = new List<IReadOnlyList<string>>();
        var next = 0;

        void Connect(string node)
        {
            index[node] = low[node] = next++;
            stack.Push(node);
            onStack.Add(node);
            foreach (var target in Targets(node))
            {
                if (!index.ContainsKey(target))
                {
                    Connect(target);
                    low[node] = Math.Min(low[node], low[target]);
                }
                else if (onStack.Contains(target))
                {
                    low[node] = Math.Min(low[node], index[target]);
                }
            }

            if (low[node] != index[node])
            {
                return;
            }

            var component = new List<string>();
            string member;
            do
            {
                member = stack.Pop();
                onStack.Remove(member);
                component.Add(member);
            }
            while (member != node);
            if (component.Count > 1)
            {
                component.Sort(StringComparer.Ordinal);
                components.Add(component);
            }
        }

        foreach (var node in _edges.Keys.Order(StringComparer.Ordinal).ToList())
        {
            if (!index.ContainsKey(node))
            {
                Connect(node);
            }
        }

        return components;
    }

    private bool Counts(string ns) =>
        ns == RootNamespace || ns.StartsWith(RootNamespace + ".", StringComparison.Ordinal);

    private void Visit(TypeDefinition owner, TypeDefinition type)
    {
        Edges(owner); // make sure a namespace without outgoing references is still a node
        Note(owner, type.BaseType);
        foreach (var item in type.Interfaces)
        {
            Note(owner, item.InterfaceType);
        }

        Attributes(owner, type.CustomAttributes);
        foreach (var parameter in type.GenericParameters)
        {
            foreach (var constraint in parameter.Constraints)
            {
                Note(owner, constraint.ConstraintType);
            }
        }

        foreach (var field in type.Fields)
        {
            Note(owner, field.FieldType);
            Attributes(owner, field.CustomAttributes);
        }

        foreach (var property in type.Properties)
        {
            Note(owner, property.PropertyType);
            Attributes(owner, property.CustomAttributes);
        }

        foreach (var @event in type.Events)
        {
            Note(owner, @event.EventType);
        }

        foreach (var method in type.Methods)
        {
            Method(owner, method);
        }

        foreach (var nested in type.NestedTypes)
        {
            Visit(owner, nested);
        }
    }

    private void Method(TypeDefinition owner, MethodDefinition method)
    {
        Note(owner, method.ReturnType);
        Attributes(owner, method.CustomAttributes);
        foreach (var parameter in method.Parameters)
        {
            Note(owner, parameter.ParameterType);
            Attributes(owner, parameter.CustomAttributes);
        }

        if (!method.HasBody)
        {
            return;
        }

        foreach (var variable in method.Body.Variables)
        {
            Note(owner, variable.VariableType);
        }

        foreach (var instruction in method.Body.Instructions)
        {
            switch (instruction.Operand)
            {
                case TypeReference typeOperand:
                    Note(owner, typeOperand);
                    break;
                case MethodReference methodOperand:
                    Note(owner, methodOperand.DeclaringType);
                    Note(owner, methodOperand.ReturnType);
                    foreach (var parameter in methodOperand.Parameters)
                    {
                        Note(owner, parameter.ParameterType);
                    }

                    if (methodOperand is GenericInstanceMethod generic)
                    {
                        foreach (var argument in generic.GenericArguments)
                        {
                            Note(owner, argument);
                        }
                    }

                    break;
                case FieldReference fieldOperand:
                    Note(owner, fieldOperand.DeclaringType);
                    Note(owner, fieldOperand.FieldType);
                    break;
            }
        }

    }

    private void Attributes(TypeDefinition owner, IEnumerable<CustomAttribute> attributes)
    {
        foreach (var attribute in attributes)
        {
            Note(owner, attribute.AttributeType);
            foreach (var argument in attribute.ConstructorArguments)
            {
                Note(owner, argument.Type);
                if (argument.Value is TypeReference typeArgument)
                {
                    Note(owner, typeArgument);
                }
            }
        }
    }

    private void Note(TypeDefinition owner, TypeReference? reference)
    {
        switch (reference)
        {
            case null:
            case GenericParameter:
                return;
            case GenericInstanceType generic:
                Note(owner, generic.ElementType);
                foreach (var argument in generic.GenericArguments)
                {
                    Note(owner, argument);
                }

                return;
            case TypeSpecification specification: // arrays, by-ref, pointers, modifiers
                Note(owner, specification.ElementType);
                return;
        }

        var outer = reference;
        while (outer.DeclaringType is not null)
        {
            outer = outer.DeclaringType;
        }

        if (!Counts(outer.Namespace) || outer.Namespace == owner.Namespace)
        {
            return;
        }

        var targets = Edges(owner);
        if (!targets.TryGetValue(outer.Namespace, out var pairs))
        {
            targets[outer.Namespace] = pairs = new SortedSet<string>(StringComparer.Ordinal);
        }

        pairs.Add($"{owner.Name} -> {outer.Name}");
    }

    private Dictionary<string, SortedSet<string>> Edges(TypeDefinition owner)
    {
        if (!_edges.TryGetValue(owner.Namespace, out var targets))
        {
            _edges[owner.Namespace] = targets = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        }

        return targets;
    }
}
